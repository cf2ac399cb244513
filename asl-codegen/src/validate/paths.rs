//! JSONPath fields (`InputPath`, `OutputPath`, `ResultPath`, Reference Paths): syntax and
//! where each root may be used (VAL-19, DATA-1, DATA-2, DATA-14, DATA-15).

use super::Validator;
use crate::diagnostic::{Code, Pointer};
use crate::intrinsic::{self};
use crate::model::*;
use crate::parse::{Json, Span};
use crate::path::{self, Path, PathError, Root};

impl Validator<'_> {
    pub(super) fn path_error(
        &mut self,
        code: Code,
        j: &Json,
        ptr: &Pointer,
        field: &str,
        e: &PathError,
    ) {
        let span = self.inner_span(j.span, e.offset, 1);
        let s = j.as_str().unwrap_or_default();
        let mut msg = format!("invalid path `{s}` in `{field}`: {}", e.message);
        if code == Code::InvalidReferencePath {
            msg = format!("invalid Reference Path `{s}` in `{field}`: {}", e.message);
        }
        let d = self.report(code, span, ptr, msg);
        if intrinsic::looks_like_call(s) {
            d.help = Some(format!(
                "intrinsic functions are not allowed in `{field}`; use them in a payload \
                 template (`Parameters`, `ResultSelector`, …) under a key ending in `.$`"
            ));
        }
    }

    pub(super) fn note_var_reads(&mut self, p: &Path, span: Span, ptr: &Pointer) {
        let mut vars = Vec::new();
        p.variables(&mut vars);
        for v in vars {
            self.var_reads
                .push((v, span, ptr.clone(), self.state.clone()));
        }
    }

    /// A Path (`InputPath`, `OutputPath`, Choice `Variable`, …).
    pub(super) fn path(&mut self, j: &Json, ptr: &Pointer, field: &str) -> Option<Spanned<Path>> {
        let s = self.string(j, ptr, field)?;
        match path::parse_path(s) {
            Ok(p) => {
                self.note_var_reads(&p, j.span, ptr);
                Some(Spanned::new(p, j.span))
            }
            Err(e) => {
                self.path_error(Code::InvalidPath, j, ptr, field, &e);
                None
            }
        }
    }

    /// A Reference Path (`ItemsPath`, `…SecondsPath`, comparator `…Path`, …).
    pub(super) fn reference_path(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        field: &str,
    ) -> Option<Spanned<Path>> {
        let s = self.string(j, ptr, field)?;
        match path::parse_reference_path(s) {
            Ok(p) => {
                self.note_var_reads(&p, j.span, ptr);
                Some(Spanned::new(p, j.span))
            }
            Err(e) => {
                self.path_error(Code::InvalidReferencePath, j, ptr, field, &e);
                None
            }
        }
    }

    /// `InputPath` / `OutputPath`: a Path or null.
    pub(super) fn path_field(&mut self, j: &Json, ptr: &Pointer, field: &str) -> PathField {
        if j.is_null() {
            return PathField::Null;
        }
        self.path(j, ptr, field)
            .map_or(PathField::Default, PathField::Path)
    }

    /// `ResultPath`: a Reference Path on the input, or null (DATA-14, DATA-15).
    pub(super) fn result_path(&mut self, j: &Json, ptr: &Pointer) -> PathField {
        if j.is_null() {
            return PathField::Null;
        }
        let Some(s) = self.string(j, ptr, "ResultPath") else {
            return PathField::Default;
        };
        match path::parse_reference_path(s) {
            Ok(p) => match &p.root {
                Root::Input => PathField::Path(Spanned::new(p, j.span)),
                Root::Context => {
                    let msg = format!("`ResultPath` cannot write to the context object: `{s}`");
                    self.help(
                        Code::PathNotAllowed,
                        j.span,
                        ptr,
                        msg,
                        "`ResultPath` places the result in the state input: start it with `$.`",
                    );
                    PathField::Default
                }
                Root::Variable(v) => {
                    let msg = format!("`ResultPath` cannot write to the variable `${v}`");
                    let help = format!("assign variables with `\"Assign\": {{\"{v}.$\": \"$\"}}`");
                    self.help(Code::PathNotAllowed, j.span, ptr, msg, &help);
                    PathField::Default
                }
            },
            Err(e) => {
                self.path_error(Code::InvalidReferencePath, j, ptr, "ResultPath", &e);
                PathField::Default
            }
        }
    }
}
