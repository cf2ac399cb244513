// Typed handlers: the method takes and returns the bound types.
use asl_runtime::{TaskContext, TaskError};

#[derive(serde::Deserialize)]
pub struct In {
    pub n: i64,
}

#[derive(serde::Serialize)]
pub struct Out {
    pub doubled: i64,
}

asl_runtime::asl!(mod doubler {
    "StartAt": "Double",
    "States": { "Double": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true } }
} where {
    "Double": super::In -> super::Out,
});

struct Handlers;

impl doubler::Tasks for Handlers {
    async fn double(&self, input: In, _ctx: TaskContext) -> Result<Out, TaskError> {
        Ok(Out { doubled: input.n * 2 })
    }
}

fn main() {
    let _ = doubler::Workflow::new(Handlers);
}
