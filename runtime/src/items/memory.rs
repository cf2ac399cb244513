//! [`MemoryObjects`]: an [`ObjectStore`] in memory.
use super::store::*;

/// WIP
#[derive(Debug, Clone, Default)]
pub struct MemoryObjects {
    root: std::path::PathBuf,
}

impl MemoryObjects {
    /// A store whose buckets are the subdirectories of `root`.
    pub fn new() -> Self {
        MemoryObjects::default()
    }
}

impl ObjectStore for MemoryObjects {
    fn get_object<'a>(&'a self, _request: &'a GetObject) -> ObjectFuture<'a, ObjectBody> {
        let _ = &self.root;
        Box::pin(async { Err(ObjectError::new("WIP", "", None)) })
    }
    fn list_objects_v2<'a>(&'a self, _request: &'a ListObjects) -> ObjectFuture<'a, ListPage> {
        Box::pin(async { Err(ObjectError::new("WIP", "", None)) })
    }
    fn put_object<'a>(&'a self, _request: PutObject) -> ObjectFuture<'a, ()> {
        Box::pin(async { Err(ObjectError::new("WIP", "", None)) })
    }
}
impl MemoryObjects {
    /// WIP
    pub fn create_bucket(&self, _b: &str) {}
    /// WIP
    pub fn insert(&self, _b: &str, _k: &str, _body: Vec<u8>) {}
}
