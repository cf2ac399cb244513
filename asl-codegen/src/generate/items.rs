//! A Distributed Map's `ItemReader` and `ResultWriter` (MAP-19..23): their `static` specs and
//! the `Tasks` methods that read items and write results (`read_<state>`, `write_<state>`),
//! with `Integrated` defaults that go through the services' object store (S3).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Gen, doc, ident};
use crate::model::*;

impl Gen {
    /// The `ItemReader` spec, the `ResultWriter` spec and the `ItemIo` value handing the
    /// Map its read and write methods.
    pub(super) fn item_io(
        &mut self,
        s: &State,
        m: &Map,
    ) -> (TokenStream, TokenStream, TokenStream) {
        let rt = self.rt.clone();
        let read_method = m.item_reader.as_ref().map(|_| {
            format_ident!(
                "{}",
                self.method_names
                    .unique(format!("read_{}", ident::fn_name(&s.name)))
            )
        });
        let write_method = m
            .result_writer
            .as_ref()
            .filter(|w| w.resource.is_some())
            .map(|_| {
                format_ident!(
                    "{}",
                    self.method_names
                        .unique(format!("write_{}", ident::fn_name(&s.name)))
                )
            });
        let reader = match &m.item_reader {
            Some(r) => {
                let spec = self.reader_spec(r);
                quote!(Some(&#spec))
            }
            None => quote!(None),
        };
        let writer = match &m.result_writer {
            Some(w) => {
                let spec = self.writer_spec(w);
                quote!(Some(&#spec))
            }
            None => quote!(None),
        };
        if let (Some(method), Some(r)) = (&read_method, &m.item_reader) {
            self.read_method(s, r, method);
        }
        if let (Some(method), Some(w)) = (&write_method, &m.result_writer) {
            self.write_method(s, w, method);
        }
        let read = match &read_method {
            Some(method) => quote!(Some(<T as Tasks>::#method)),
            None => quote!(None),
        };
        let write = match &write_method {
            Some(method) => quote!(Some(<T as Tasks>::#method)),
            None => quote!(None),
        };
        let io = quote!(#rt::ItemIo { tasks: &*tasks, read: #read, write: #write });
        (reader, writer, io)
    }

    fn args(&mut self, p: &Option<Payload>, field: &str) -> TokenStream {
        let rt = self.rt.clone();
        match p {
            Some(Payload::Template(t)) => {
                let v = self.template_value(t, field);
                quote!(Some(#rt::Args::Template(&#v)))
            }
            Some(Payload::Jsonata(v)) => {
                let v = self.jtemplate(v);
                quote!(Some(#rt::Args::Jsonata(&#v)))
            }
            None => quote!(None),
        }
    }

    fn reader_spec(&mut self, r: &ItemReader) -> proc_macro2::Ident {
        let rt = self.rt.clone();
        let api = if r.resource.value.ends_with(":s3:listObjectsV2") {
            quote!(#rt::ReadApi::ListObjectsV2)
        } else {
            quote!(#rt::ReadApi::GetObject)
        };
        let field = if self.jsonata_args(&r.parameters) {
            "Arguments"
        } else {
            "Parameters"
        };
        let parameters = self.args(&r.parameters, field);
        let c = &r.reader_config;
        let input_type = match c.input_type.as_deref() {
            Some("CSV") => quote!(Some(#rt::InputType::Csv)),
            Some("JSON") => quote!(Some(#rt::InputType::Json)),
            Some("JSONL") => quote!(Some(#rt::InputType::Jsonl)),
            Some("MANIFEST") => quote!(Some(#rt::InputType::Manifest)),
            // PARQUET is refused before generation (`unsupported`).
            _ => quote!(None),
        };
        let csv_headers = match (c.csv_header_location.as_deref(), &c.csv_headers) {
            (Some("GIVEN"), Some(h)) => quote!(#rt::CsvHeaders::Given(&[#(#h),*])),
            _ => quote!(#rt::CsvHeaders::FirstRow),
        };
        let csv_delimiter = match c.csv_delimiter.as_deref() {
            Some("PIPE") => quote!(#rt::CsvDelimiter::Pipe),
            Some("SEMICOLON") => quote!(#rt::CsvDelimiter::Semicolon),
            Some("SPACE") => quote!(#rt::CsvDelimiter::Space),
            Some("TAB") => quote!(#rt::CsvDelimiter::Tab),
            _ => quote!(#rt::CsvDelimiter::Comma),
        };
        let items_pointer = match &c.items_pointer {
            Some(p) => quote!(Some(#p)),
            None => quote!(None),
        };
        let load_and_flatten = c.transformation.as_deref() == Some("LOAD_AND_FLATTEN");
        let manifest_type = match c.manifest_type.as_deref() {
            Some("S3_INVENTORY") => quote!(Some(#rt::ManifestType::S3Inventory)),
            Some("ATHENA_DATA") => quote!(Some(#rt::ManifestType::AthenaData)),
            _ => quote!(None),
        };
        let max_items = self.count_tokens(&c.max_items);
        self.add_static(
            "READER",
            quote!(#rt::ReaderSpec),
            quote!(#rt::ReaderSpec {
                api: #api,
                parameters: #parameters,
                config: #rt::ReaderConfig {
                    input_type: #input_type,
                    csv_headers: #csv_headers,
                    csv_delimiter: #csv_delimiter,
                    items_pointer: #items_pointer,
                    load_and_flatten: #load_and_flatten,
                    manifest_type: #manifest_type,
                },
                max_items: #max_items,
            }),
        )
    }

    fn writer_spec(&mut self, w: &ResultWriter) -> proc_macro2::Ident {
        let rt = self.rt.clone();
        let field = if self.jsonata_args(&w.parameters) {
            "Arguments"
        } else {
            "Parameters"
        };
        let parameters = self.args(&w.parameters, field);
        let output_type = match w.output_type.as_deref() {
            Some("JSONL") => quote!(#rt::OutputType::Jsonl),
            _ => quote!(#rt::OutputType::Json),
        };
        let transformation = match w.transformation.as_deref() {
            Some("COMPACT") => quote!(#rt::Transformation::Compact),
            Some("FLATTEN") => quote!(#rt::Transformation::Flatten),
            _ => quote!(#rt::Transformation::None),
        };
        let export = w.resource.is_some();
        self.add_static(
            "WRITER",
            quote!(#rt::WriterSpec),
            quote!(#rt::WriterSpec {
                export: #export,
                parameters: #parameters,
                config: #rt::WriterConfig {
                    output_type: #output_type,
                    transformation: #transformation,
                },
            }),
        )
    }

    fn jsonata_args(&self, p: &Option<Payload>) -> bool {
        matches!(p, Some(Payload::Jsonata(_)))
    }

    /// `read_<state>`: required in `Tasks`, written in `Integrated` (the services' store).
    fn read_method(&mut self, s: &State, r: &ItemReader, method: &proc_macro2::Ident) {
        let rt = self.rt.clone();
        let public = self.public.clone();
        let what = match r.reader_config.input_type.as_deref() {
            Some(t) => format!("`{}`, InputType `{t}`", r.resource.value),
            None => format!("`{}`", r.resource.value),
        };
        let text = format!(
            "Map state `{}`: its items (`ItemReader`: {what}).\n\n\
             `asl_runtime::items::read(&store, request)` reads them from an object store as \
             Step Functions reads S3 (`asl_aws::Aws`, `LocalObjects`, `MemoryObjects`); or \
             yield them from anywhere. `MaxItems` is applied to the stream.",
            s.name
        );
        let signature = quote! {
            fn #method(&self, request: #public::items::ReadRequest) -> #public::items::ItemStream<'_>
        };
        let d = doc(&text);
        self.methods.push(quote!(#d #signature;));
        let d = doc(&format!(
            "Map state `{}`: reads its items from [`Integrated::services`] as from S3 \
             unless you write it.",
            s.name
        ));
        self.integrated.push(quote! {
            #d
            #signature {
                #rt::read_items(self.services(), request)
            }
        });
        self.delegates.push(quote! {
            #signature {
                <T as Integrated>::#method(self, request)
            }
        });
        self.objects = true;
    }

    /// `write_<state>`: required in `Tasks`, written in `Integrated` (the services' store).
    fn write_method(&mut self, s: &State, w: &ResultWriter, method: &proc_macro2::Ident) {
        let rt = self.rt.clone();
        let public = self.public.clone();
        let resource = w.resource.as_ref().map_or("", |r| r.value.as_str());
        let text = format!(
            "Map state `{}`: stores one object of its results (`ResultWriter`: `{resource}`): \
             `manifest.json`, `SUCCEEDED_0.json`, ….\n\n\
             `asl_runtime::items::write(&store, object)` writes it to an object store \
             (`asl_aws::Aws`, `LocalObjects`, `MemoryObjects`).",
            s.name
        );
        let signature = quote! {
            fn #method(&self, object: #public::items::PutObject) -> #public::items::ObjectFuture<'_, ()>
        };
        let d = doc(&text);
        self.methods.push(quote!(#d #signature;));
        let d = doc(&format!(
            "Map state `{}`: writes its results to [`Integrated::services`] as to S3 unless \
             you write it.",
            s.name
        ));
        self.integrated.push(quote! {
            #d
            #signature {
                #rt::write_items(self.services(), object)
            }
        });
        self.delegates.push(quote! {
            #signature {
                <T as Integrated>::#method(self, object)
            }
        });
        self.objects = true;
    }
}

/// Whether a Map state has a `read_<state>` and a `write_<state>` method (a `ResultWriter`
/// without `Resource` only transforms the output): for [`super::handler_methods`].
pub(super) fn has_item_methods(m: &Map) -> (bool, bool) {
    (
        m.item_reader.is_some(),
        m.result_writer
            .as_ref()
            .is_some_and(|w| w.resource.is_some()),
    )
}
