//! Map states: processor and mode, items, selector, concurrency and tolerated failures,
//! Distributed Map reader, batcher and writer, labels (MAP-*, VAL-25, VAL-27, VAL-34).

use super::{ExprCtx, MAX_SECONDS, MachineType, ScopeKind, Validator, list};
use crate::diagnostic::{Code, Pointer};
use crate::model::*;
use crate::parse::Json;

impl Validator<'_> {
    fn count(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        ql: QueryLanguage,
        field: &str,
        max: f64,
        integer: bool,
    ) -> Option<Count> {
        let obj = j.as_object().unwrap_or_default();
        let path_field = format!("{field}Path");
        self.exclusive(obj, field, &path_field, ptr);
        if let Some(v) = j.get(field) {
            let p = ptr.key(field);
            let r = self.jsonata_or(ql, v, &p, ExprCtx::default(), |s| {
                let Some(n) = v.as_number() else {
                    let msg = format!("`{field}` must be a number, found {}", v.type_name());
                    s.report(Code::WrongType, v.span, &p, msg);
                    return None;
                };
                let x = n.as_f64();
                if (integer && n.as_i64().is_none()) || x < 0.0 || x > max {
                    let msg = format!(
                        "`{field}` must be {} between 0 and {max}, found {}",
                        if integer { "an integer" } else { "a number" },
                        n.raw()
                    );
                    s.report(Code::OutOfRange, v.span, &p, msg);
                    return None;
                }
                Some(Spanned::new(x, v.span))
            })?;
            return Some(match r {
                Ok(n) => Count::Literal(n),
                Err(e) => Count::Expr(e),
            });
        }
        if ql == QueryLanguage::JsonPath
            && let Some(v) = j.get(&path_field)
        {
            return self
                .reference_path(v, &ptr.key(&path_field), &path_field)
                .map(Count::Path);
        }
        None
    }

    pub(super) fn map(
        &mut self,
        j: &Json,
        ptr: &Pointer,
        ql: QueryLanguage,
        name: &str,
    ) -> Option<Map> {
        let obj = j.as_object().unwrap_or_default();
        let proc = match (j.member("ItemProcessor"), j.member("Iterator")) {
            (Some(a), Some(b)) => {
                let _ = a;
                self.help(
                    Code::MutuallyExclusive,
                    b.key_span,
                    &ptr.key("Iterator"),
                    "a Map state has both `ItemProcessor` and `Iterator`".to_string(),
                    "`Iterator` is the deprecated name of `ItemProcessor`: keep one",
                );
                None
            }
            (Some(m), None) | (None, Some(m)) => Some(m),
            (None, None) => {
                self.help(
                    Code::MissingField,
                    j.span,
                    ptr,
                    "a Map state needs `ItemProcessor`".to_string(),
                    "add `\"ItemProcessor\": {\"StartAt\": …, \"States\": {…}}`",
                );
                None
            }
        };
        let mut mode = MapMode::Inline;
        let mut execution_type = None;
        if let Some(pm) = proc
            && let Some(cfg) = pm.value.get("ProcessorConfig")
        {
            let cp = ptr.key(&pm.key).key("ProcessorConfig");
            if let Some(co) = self.object(cfg, &cp, "`ProcessorConfig`") {
                self.known_keys(co, &["Mode", "ExecutionType"], &cp, "`ProcessorConfig`");
                if let Some(m) = cfg.get("Mode") {
                    match self.string(m, &cp.key("Mode"), "Mode") {
                        Some("INLINE") => {}
                        Some("DISTRIBUTED") => mode = MapMode::Distributed,
                        Some(other) => {
                            let msg = format!(
                                "`Mode` must be \"INLINE\" or \"DISTRIBUTED\", found \"{other}\""
                            );
                            self.report(Code::InvalidValue, m.span, &cp.key("Mode"), msg);
                        }
                        None => {}
                    }
                }
                if let Some(e) = cfg.get("ExecutionType") {
                    match self.string(e, &cp.key("ExecutionType"), "ExecutionType") {
                        Some("STANDARD") => execution_type = Some(ExecutionType::Standard),
                        Some("EXPRESS") => execution_type = Some(ExecutionType::Express),
                        Some(other) => {
                            let msg = format!(
                                "`ExecutionType` must be \"STANDARD\" or \"EXPRESS\", found \"{other}\""
                            );
                            self.report(Code::InvalidValue, e.span, &cp.key("ExecutionType"), msg);
                        }
                        None => {}
                    }
                }
                if mode == MapMode::Distributed && execution_type.is_none() {
                    self.report(
                        Code::MissingField,
                        cfg.span,
                        &cp,
                        "a DISTRIBUTED Map needs `ExecutionType` (STANDARD or EXPRESS)",
                    );
                }
            }
        }
        if mode == MapMode::Distributed && self.options.machine_type == MachineType::Express {
            let span = proc.map_or(j.span, |p| p.key_span);
            self.report(
                Code::NotSupportedInExpress,
                span,
                ptr,
                "Express state machine does not support Distributed Map",
            );
        }
        let processor = proc.and_then(|pm| {
            let scope = self.current_scope;
            self.scope(
                &pm.value,
                &ptr.key(&pm.key),
                ScopeKind::Processor,
                Some(scope),
            )
        });

        let items_path = match (ql, j.get("ItemsPath")) {
            (QueryLanguage::JsonPath, Some(v)) if v.is_null() => {
                self.report(
                    Code::InvalidReferencePath,
                    v.span,
                    &ptr.key("ItemsPath"),
                    "`ItemsPath` cannot be null: it must be a Reference Path",
                );
                None
            }
            (QueryLanguage::JsonPath, Some(v)) => {
                self.reference_path(v, &ptr.key("ItemsPath"), "ItemsPath")
            }
            _ => None,
        };
        let items = match (ql, j.get("Items")) {
            (QueryLanguage::Jsonata, Some(v)) => {
                let p = ptr.key("Items");
                let value = self.jsonata_value(v, &p, ExprCtx::default());
                if !matches!(value, JsonataValue::Expr(_) | JsonataValue::Array(_)) {
                    let msg = format!(
                        "`Items` must be an array or a JSONata expression, found {}",
                        v.type_name()
                    );
                    self.report(Code::WrongType, v.span, &p, msg);
                }
                Some(value)
            }
            _ => None,
        };
        self.exclusive(obj, "ItemSelector", "Parameters", ptr);
        let selector_json = j.get("ItemSelector").or_else(|| {
            (ql == QueryLanguage::JsonPath)
                .then(|| j.get("Parameters"))
                .flatten()
        });
        let item_selector = selector_json.map(|v| {
            let key = if j.get("ItemSelector").is_some() {
                "ItemSelector"
            } else {
                "Parameters"
            };
            let p = ptr.key(key);
            match ql {
                QueryLanguage::JsonPath => Payload::Template(self.template(v, &p)),
                QueryLanguage::Jsonata => {
                    Payload::Jsonata(self.jsonata_value(v, &p, ExprCtx::default()))
                }
            }
        });
        let max_concurrency = self.count(j, ptr, ql, "MaxConcurrency", MAX_SECONDS as f64, true);
        let tolerated_failure_count = self.count(
            j,
            ptr,
            ql,
            "ToleratedFailureCount",
            MAX_SECONDS as f64,
            true,
        );
        let tolerated_failure_percentage =
            self.count(j, ptr, ql, "ToleratedFailurePercentage", 100.0, false);
        let item_reader = j
            .get("ItemReader")
            .and_then(|r| self.item_reader(r, &ptr.key("ItemReader"), ql));
        let item_batcher = j
            .get("ItemBatcher")
            .and_then(|b| self.item_batcher(b, &ptr.key("ItemBatcher"), ql));
        let result_writer = j
            .get("ResultWriter")
            .and_then(|w| self.result_writer(w, &ptr.key("ResultWriter"), ql));
        let label = j.get("Label").and_then(|l| {
            let p = ptr.key("Label");
            let s = self.spanned_string(l, &p, "Label")?;
            self.label(&s, &p);
            Some(s)
        });
        let retry = self.retry(j, ptr);
        let catch = self.catch(j, ptr, ql);
        let transition = self.transition(j, ptr, name);
        Some(Map {
            processor: processor?,
            mode,
            execution_type,
            items_path,
            items,
            item_selector,
            max_concurrency,
            tolerated_failure_count,
            tolerated_failure_percentage,
            item_reader,
            item_batcher,
            result_writer,
            label,
            retry,
            catch,
            transition,
        })
    }

    /// `Parameters` (JSONPath) or `Arguments` (JSONata) of an ItemReader or ResultWriter.
    fn io_payload(&mut self, j: &Json, p: &Pointer, ql: QueryLanguage) -> Option<Payload> {
        let (field, other) = match ql {
            QueryLanguage::JsonPath => ("Parameters", "Arguments"),
            QueryLanguage::Jsonata => ("Arguments", "Parameters"),
        };
        if let Some(m) = j.member(other) {
            let msg = format!("`{other}` is not available in {}", ql.as_str());
            let help = format!("use `{field}`");
            self.help(
                Code::WrongQueryLanguage,
                m.key_span,
                &p.key(other),
                msg,
                &help,
            );
        }
        let v = j.get(field)?;
        let fp = p.key(field);
        Some(match ql {
            QueryLanguage::JsonPath => Payload::Template(self.template(v, &fp)),
            QueryLanguage::Jsonata => {
                Payload::Jsonata(self.jsonata_value(v, &fp, ExprCtx::default()))
            }
        })
    }

    /// `ItemReader`/`ResultWriter` resources: `arn:<partition>:states:::<one of apis>`.
    fn map_resource(&mut self, r: &Spanned<String>, p: &Pointer, apis: &[&str]) {
        let ok = r.value.strip_prefix("arn:").and_then(|rest| {
            let (_partition, tail) = rest.split_once(':')?;
            tail.strip_prefix("states:::")
        });
        if !ok.is_some_and(|api| apis.contains(&api)) {
            let expected: Vec<String> = apis
                .iter()
                .map(|a| format!("arn:aws:states:::{a}"))
                .collect();
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            let msg = format!(
                "`{}` is not a resource this field accepts: expected {}",
                r.value,
                list(&expected)
            );
            self.report(Code::InvalidResource, r.span, p, msg);
        }
    }

    fn item_reader(&mut self, r: &Json, p: &Pointer, ql: QueryLanguage) -> Option<ItemReader> {
        let o = self.object(r, p, "`ItemReader`")?;
        self.known_keys(
            o,
            &["Resource", "Parameters", "Arguments", "ReaderConfig"],
            p,
            "`ItemReader`",
        );
        let resource = match r.get("Resource") {
            None => {
                self.report(
                    Code::MissingField,
                    r.span,
                    p,
                    "`ItemReader` needs `Resource`",
                );
                None
            }
            Some(res) => self.spanned_string(res, &p.key("Resource"), "Resource"),
        };
        if let Some(res) = &resource {
            self.map_resource(
                res,
                &p.key("Resource"),
                &["s3:getObject", "s3:listObjectsV2"],
            );
        }
        let parameters = self.io_payload(r, p, ql);
        let mut reader_config = ReaderConfig::default();
        if let Some(cfg) = r.get("ReaderConfig") {
            let cp = p.key("ReaderConfig");
            if let Some(co) = self.object(cfg, &cp, "`ReaderConfig`") {
                self.known_keys(
                    co,
                    &[
                        "InputType",
                        "Transformation",
                        "ManifestType",
                        "CSVHeaderLocation",
                        "CSVHeaders",
                        "CSVDelimiter",
                        "ItemsPointer",
                        "MaxItems",
                        "MaxItemsPath",
                    ],
                    &cp,
                    "`ReaderConfig`",
                );
                reader_config.input_type = self.enum_field(
                    cfg,
                    &cp,
                    "InputType",
                    &["CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"],
                );
                reader_config.transformation =
                    self.enum_field(cfg, &cp, "Transformation", &["NONE", "LOAD_AND_FLATTEN"]);
                reader_config.manifest_type =
                    self.enum_field(cfg, &cp, "ManifestType", &["ATHENA_DATA", "S3_INVENTORY"]);
                reader_config.csv_header_location =
                    self.enum_field(cfg, &cp, "CSVHeaderLocation", &["FIRST_ROW", "GIVEN"]);
                reader_config.csv_delimiter = self.enum_field(
                    cfg,
                    &cp,
                    "CSVDelimiter",
                    &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
                );
                if let Some(h) = cfg.get("CSVHeaders") {
                    let hp = cp.key("CSVHeaders");
                    match h.as_array() {
                        Some(items) => {
                            let mut headers = Vec::new();
                            for (i, item) in items.iter().enumerate() {
                                if let Some(s) = self.string(item, &hp.index(i), "CSVHeaders") {
                                    headers.push(s.to_string());
                                }
                            }
                            reader_config.csv_headers = Some(headers);
                        }
                        None => {
                            let msg = format!(
                                "`CSVHeaders` must be an array of strings, found {}",
                                h.type_name()
                            );
                            self.report(Code::WrongType, h.span, &hp, msg);
                        }
                    }
                }
                if reader_config.csv_header_location.as_deref() == Some("GIVEN")
                    && reader_config.csv_headers.is_none()
                {
                    self.report(
                        Code::MissingField,
                        cfg.span,
                        &cp,
                        "`CSVHeaderLocation: GIVEN` needs `CSVHeaders`",
                    );
                }
                if let Some(ip) = cfg.get("ItemsPointer") {
                    reader_config.items_pointer = self
                        .string(ip, &cp.key("ItemsPointer"), "ItemsPointer")
                        .map(str::to_string);
                }
                // 0 is accepted and means no limit (VAL-27, recorded on AWS).
                reader_config.max_items = self.count(cfg, &cp, ql, "MaxItems", 100_000_000.0, true);
            }
        }
        Some(ItemReader {
            resource: resource?,
            parameters,
            reader_config,
        })
    }

    fn item_batcher(&mut self, b: &Json, p: &Pointer, ql: QueryLanguage) -> Option<ItemBatcher> {
        let o = self.object(b, p, "`ItemBatcher`")?;
        let all = [
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
        ];
        let mut allowed = all.to_vec();
        allowed.push("BatchInput");
        self.known_keys(o, &allowed, p, "`ItemBatcher`");
        if !o.iter().any(|m| all.contains(&m.key.as_str())) {
            let msg = format!("`ItemBatcher` needs at least one of {}", list(&all));
            self.report(Code::MissingField, b.span, p, msg);
        }
        let max_items_per_batch = self.count(b, p, ql, "MaxItemsPerBatch", 100_000_000.0, true);
        let max_input_bytes_per_batch =
            self.count(b, p, ql, "MaxInputBytesPerBatch", 262_144.0, true);
        for (field, count) in [
            ("MaxItemsPerBatch", &max_items_per_batch),
            ("MaxInputBytesPerBatch", &max_input_bytes_per_batch),
        ] {
            if let Some(Count::Literal(n)) = count
                && n.value < 1.0
            {
                let msg = format!("`{field}` must be at least 1");
                self.report(Code::OutOfRange, n.span, &p.key(field), msg);
            }
        }
        let batch_input = b.get("BatchInput").map(|bi| {
            let bp = p.key("BatchInput");
            match ql {
                QueryLanguage::JsonPath => Payload::Template(self.template(bi, &bp)),
                QueryLanguage::Jsonata => {
                    Payload::Jsonata(self.jsonata_value(bi, &bp, ExprCtx::default()))
                }
            }
        });
        Some(ItemBatcher {
            max_items_per_batch,
            max_input_bytes_per_batch,
            batch_input,
        })
    }

    fn result_writer(&mut self, w: &Json, p: &Pointer, ql: QueryLanguage) -> Option<ResultWriter> {
        let o = self.object(w, p, "`ResultWriter`")?;
        self.known_keys(
            o,
            &["Resource", "Parameters", "Arguments", "WriterConfig"],
            p,
            "`ResultWriter`",
        );
        if o.is_empty() {
            self.report(
                Code::EmptyValue,
                w.span,
                p,
                "`ResultWriter` must not be empty",
            );
        }
        let resource = w
            .get("Resource")
            .and_then(|r| self.spanned_string(r, &p.key("Resource"), "Resource"));
        if let Some(res) = &resource {
            self.map_resource(res, &p.key("Resource"), &["s3:putObject"]);
        }
        let parameters = self.io_payload(w, p, ql);
        let mut writer = ResultWriter {
            resource,
            parameters,
            ..ResultWriter::default()
        };
        if let Some(cfg) = w.get("WriterConfig") {
            let cp = p.key("WriterConfig");
            if let Some(co) = self.object(cfg, &cp, "`WriterConfig`") {
                self.known_keys(co, &["OutputType", "Transformation"], &cp, "`WriterConfig`");
                writer.output_type = self.enum_field(cfg, &cp, "OutputType", &["JSON", "JSONL"]);
                writer.transformation =
                    self.enum_field(cfg, &cp, "Transformation", &["NONE", "COMPACT", "FLATTEN"]);
            }
        }
        Some(writer)
    }

    fn label(&mut self, s: &Spanned<String>, p: &Pointer) {
        let bad = s
            .value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "?*<>{}[]:;,\\|^~$#%&`\"".contains(c));
        if s.value.chars().count() > 40 || bad || s.value.is_empty() {
            self.report(
                Code::InvalidLabel,
                s.span,
                p,
                format!(
                    "invalid Map `Label` `{}`: at most 40 characters, no whitespace, control \
                     characters or any of ? * < > {{ }} [ ] : ; , \\ | ^ ~ $ # % & ` \"",
                    s.value
                ),
            );
        }
        if let Some(first) = self.labels.get(&s.value).copied() {
            let msg = format!("Map `Label` `{}` is used twice", s.value);
            let d = self.report(Code::InvalidLabel, s.span, p, msg);
            d.related.push((first, "first used here".to_string()));
        } else {
            self.labels.insert(s.value.clone(), s.span);
        }
    }
}
