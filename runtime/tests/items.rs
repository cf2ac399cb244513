//! The ItemReader (MAP-19..21, MAP-26): S3 objects read as a Distributed Map's items through
//! `asl_runtime::items::read`, on `MemoryObjects` and `LocalObjects`.
//!
//! Expected items come from the AWS recordings in tests/conformance/corpus/itemreader/ where
//! there is one (cited per test), else from the ItemReader docs
//! (docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html and
//! example-csv-parse-dist-map.html).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use asl_runtime::items::{
    CsvDelimiter, CsvHeaders, GetObject, InputType, ItemError, ListObjects, ListPage, LocalObjects,
    ManifestType, MemoryObjects, ObjectBody, ObjectError, ObjectFuture, ObjectStore, PutObject,
    ReadApi, ReadRequest, ReaderConfig, read,
};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

const BASE: ReaderConfig = ReaderConfig {
    input_type: None,
    csv_headers: CsvHeaders::FirstRow,
    csv_delimiter: CsvDelimiter::Comma,
    items_pointer: None,
    load_and_flatten: false,
    manifest_type: None,
};

fn config(config: ReaderConfig) -> &'static ReaderConfig {
    Box::leak(Box::new(config))
}

fn input(input_type: InputType) -> &'static ReaderConfig {
    config(ReaderConfig {
        input_type: Some(input_type),
        ..BASE
    })
}

fn request(api: ReadApi, parameters: Value, config: &'static ReaderConfig) -> ReadRequest {
    ReadRequest {
        state: "Map",
        api,
        parameters,
        config,
    }
}

/// Every item, or the error that ended the stream (which must be the stream's last element).
async fn read_all(store: &dyn ObjectStore, request: ReadRequest) -> Result<Vec<Value>, ItemError> {
    let mut stream = read(store, request);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(item) => items.push(item),
            Err(e) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream goes on after {e}"
                );
                return Err(e);
            }
        }
    }
    Ok(items)
}

/// The items of `body` stored as `b/k`, read with `config`.
async fn items_of(body: &str, config: &'static ReaderConfig) -> Result<Vec<Value>, ItemError> {
    let store = MemoryObjects::new();
    store.insert("b", "k", body);
    read_all(
        &store,
        request(
            ReadApi::GetObject,
            json!({"Bucket": "b", "Key": "k"}),
            config,
        ),
    )
    .await
}

fn reader_failed(cause: &str) -> ItemError {
    ItemError {
        error: "States.ItemReaderFailed".into(),
        cause: cause.into(),
    }
}

const RECORDED_CSV: &str =
    "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n";

/// MAP-20, FIRST_ROW: itemreader/csv/map_item_reader_base_csv_headers_first_line.
#[tokio::test]
async fn csv_first_row_headers_as_recorded() {
    let body = format!("Col1,Col2,Col3\n{RECORDED_CSV}");
    let items = items_of(&body, input(InputType::Csv)).await.unwrap();
    let row = |a: &str, b: &str, c: &str| json!({"Col1": a, "Col2": b, "Col3": c});
    assert_eq!(
        items,
        vec![
            row("Value1", "Value2", "Value3"),
            row("Value4", "Value5", "Value6"),
            row("", "", ""),
            row("true", "1", "'HelloWorld'"),
            row("Null", "None", ""),
            row("   ", "", ""),
        ]
    );
}

/// MAP-20, GIVEN headers: itemreader/csv/map_item_reader_base_csv_headers_decl, and
/// map_item_reader_csv_headers_decl_extra_fields (one header: the other fields are dropped).
#[tokio::test]
async fn csv_given_headers_as_recorded() {
    static THREE: [&str; 3] = ["H1", "H2", "H3"];
    let given = config(ReaderConfig {
        input_type: Some(InputType::Csv),
        csv_headers: CsvHeaders::Given(&THREE),
        ..BASE
    });
    let items = items_of(RECORDED_CSV, given).await.unwrap();
    assert_eq!(items.len(), 6);
    assert_eq!(
        items[0],
        json!({"H1": "Value1", "H2": "Value2", "H3": "Value3"})
    );
    assert_eq!(items[5], json!({"H1": "   ", "H2": "", "H3": ""}));

    static ONE: [&str; 1] = ["H1"];
    let one = config(ReaderConfig {
        input_type: Some(InputType::Csv),
        csv_headers: CsvHeaders::Given(&ONE),
        ..BASE
    });
    let items = items_of(RECORDED_CSV, one).await.unwrap();
    let firsts: Vec<Value> = ["Value1", "Value4", "", "true", "Null", "   "]
        .iter()
        .map(|v| json!({ "H1": v }))
        .collect();
    assert_eq!(items, firsts);
}

/// MAP-20: a header `H1,` names the columns `H1` and `""`; extra fields are dropped
/// (itemreader/csv/map_item_reader_csv_first_row_extra_fields).
#[tokio::test]
async fn csv_first_row_extra_fields_as_recorded() {
    let body = "H1,\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n";
    let items = items_of(body, input(InputType::Csv)).await.unwrap();
    assert_eq!(
        items,
        vec![
            json!({"H1": "Value4", "": "Value5"}),
            json!({"H1": "", "": ""}),
            json!({"H1": "true", "": "1"}),
            json!({"H1": "Null", "": "None"}),
            json!({"H1": "   ", "": ""}),
        ]
    );
}

/// MAP-20: quoted fields hold delimiters, newlines and `""`; backslashes escape `\`, `"` and
/// the delimiter and are dropped before anything else (example-csv-parse-dist-map.html); CRLF
/// line ends; empty lines are no rows; the last row needs no newline.
#[tokio::test]
async fn csv_quoting_escapes_and_line_ends() {
    let body = concat!(
        "a,b,c\r\n",
        "abc,\"x, \"\"y\"\"\nz\",\"[1,2,3]\"\r\n",
        "\r\n",
        "\n",
        "C:\\\\Program Files\\\\MyApp.exe,one\\,two,\\q\\\"\n",
        "short\n",
        "last,row,end"
    );
    let items = items_of(body, input(InputType::Csv)).await.unwrap();
    assert_eq!(
        items,
        vec![
            json!({"a": "abc", "b": "x, \"y\"\nz", "c": "[1,2,3]"}),
            json!({"a": "C:\\Program Files\\MyApp.exe", "b": "one,two", "c": "q\""}),
            json!({"a": "short", "b": "", "c": ""}),
            json!({"a": "last", "b": "row", "c": "end"}),
        ]
    );
}

/// MAP-19: `CSVDelimiter` PIPE, SEMICOLON, TAB and SPACE.
#[tokio::test]
async fn csv_delimiters() {
    for (delimiter, sep) in [
        (CsvDelimiter::Pipe, "|"),
        (CsvDelimiter::Semicolon, ";"),
        (CsvDelimiter::Tab, "\t"),
        (CsvDelimiter::Space, " "),
    ] {
        let cfg = config(ReaderConfig {
            input_type: Some(InputType::Csv),
            csv_delimiter: delimiter,
            ..BASE
        });
        let body = format!("x{sep}y\n1{sep}\"2{sep}3\"\n");
        let items = items_of(&body, cfg).await.unwrap();
        assert_eq!(
            items,
            vec![json!({"x": "1", "y": format!("2{sep}3")})],
            "{delimiter:?}"
        );
    }
}

/// MAP-21: duplicate headers fail with AWS's cause (LocalStack's AWS-validated snapshot
/// test_map_item_reader_csv_headers_decl_duplicate_headers); an unclosed quote and invalid
/// UTF-8 fail the reader; an empty object has no items.
#[tokio::test]
async fn csv_failures() {
    static DUP: [&str; 3] = ["H1", "H1", "H3"];
    let dup = config(ReaderConfig {
        input_type: Some(InputType::Csv),
        csv_headers: CsvHeaders::Given(&DUP),
        ..BASE
    });
    assert_eq!(
        items_of(RECORDED_CSV, dup).await,
        Err(reader_failed("CSV headers cannot contain duplicates."))
    );
    assert_eq!(
        items_of("a,a\n1,2\n", input(InputType::Csv)).await,
        Err(reader_failed("CSV headers cannot contain duplicates."))
    );
    let unclosed = items_of("a\n\"open\n", input(InputType::Csv))
        .await
        .unwrap_err();
    assert_eq!(unclosed.error, "States.ItemReaderFailed");
    assert!(unclosed.cause.contains("Row 2"), "{}", unclosed.cause);

    let store = MemoryObjects::new();
    store.insert("b", "k", b"a\n\xff\xfe\n".to_vec());
    let bad = read_all(
        &store,
        request(
            ReadApi::GetObject,
            json!({"Bucket": "b", "Key": "k"}),
            input(InputType::Csv),
        ),
    )
    .await
    .unwrap_err();
    assert!(bad.cause.contains("UTF-8"), "{}", bad.cause);

    assert_eq!(items_of("", input(InputType::Csv)).await, Ok(vec![]));
}

/// MAP-19: JSON arrays (itemreader/json/map_item_reader_base_json_max_items's body), any
/// element type, white space anywhere; no InputType reads JSON.
#[tokio::test]
async fn json_arrays() {
    let body = r#"[{"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"}, {"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"}]"#;
    let items = items_of(body, input(InputType::Json)).await.unwrap();
    assert_eq!(
        items[1],
        json!({"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"})
    );

    let body = " \n[ 1 , \"a]\\\"[\" ,null,true,[[\"from-bucket-item-0\"]], {\"k\": [1, {\"}\": 2}]}, -1.5e3 ]\n";
    assert_eq!(
        items_of(body, config(BASE)).await.unwrap(),
        vec![
            json!(1),
            json!("a]\"["),
            json!(null),
            json!(true),
            json!([["from-bucket-item-0"]]),
            json!({"k": [1, {"}": 2}]}),
            json!(-1500.0)
        ]
    );
    assert_eq!(items_of("[]", input(InputType::Json)).await, Ok(vec![]));
}

/// MAP-21: a JSON object or scalar is not iterable (AWS's cause, LocalStack's AWS-validated
/// snapshot test_map_item_reader_json_no_json_list_object); malformed JSON, a malformed
/// element and trailing text fail the reader.
#[tokio::test]
async fn json_failures() {
    let non_iterable = Err(reader_failed("Attempting to map over non-iterable node."));
    assert_eq!(
        items_of(r#"{"Hello": "world"}"#, input(InputType::Json)).await,
        non_iterable
    );
    assert_eq!(items_of("42", input(InputType::Json)).await, non_iterable);
    for body in [
        "",
        "{\"a\": ",
        "[1, 2",
        "[1 2]",
        "[1, {\"a\" 1}]",
        "[1] x",
        "[tru]",
    ] {
        let e = items_of(body, input(InputType::Json)).await;
        let e = e.expect_err(body);
        assert_eq!(e.error, "States.ItemReaderFailed", "{body}");
        assert!(
            e.cause.starts_with("The S3 object is not valid JSON"),
            "{body}: {}",
            e.cause
        );
    }
    // Items before the malformed element are read (a Map may already have started them).
    let store = MemoryObjects::new();
    store.insert("b", "k", "[1, 2, oops]");
    let mut stream = read(
        &store,
        request(
            ReadApi::GetObject,
            json!({"Bucket": "b", "Key": "k"}),
            input(InputType::Json),
        ),
    );
    assert_eq!(stream.next().await, Some(Ok(json!(1))));
    assert_eq!(stream.next().await, Some(Ok(json!(2))));
    assert!(matches!(stream.next().await, Some(Err(_))));
    assert_eq!(stream.next().await, None);
}

/// MAP-19: `ItemsPointer` selects a nested array (or an object, whose values are the items),
/// with RFC 6901 escapes and array indexes.
#[tokio::test]
async fn json_items_pointer() {
    let body = r#"{"skip": {"x": [1, "}"]}, "inventory": {"a/b": 0, "products": {"other": [], "featured": [{"id": 1}, {"id": 2}]}}, "list": [[9], [7, 8]], "m~n": {"p": 1, "q": [2]}}"#;
    let pointed = |pointer: &'static str| {
        config(ReaderConfig {
            input_type: Some(InputType::Json),
            items_pointer: Some(pointer),
            ..BASE
        })
    };
    assert_eq!(
        items_of(body, pointed("/inventory/products/featured")).await,
        Ok(vec![json!({"id": 1}), json!({"id": 2})])
    );
    assert_eq!(
        items_of(body, pointed("/list/1")).await,
        Ok(vec![json!(7), json!(8)])
    );
    assert_eq!(
        items_of(body, pointed("/m~0n")).await,
        Ok(vec![json!(1), json!([2])])
    );
    assert_eq!(
        items_of(body, pointed("/inventory/a~1b")).await,
        Err(reader_failed("Attempting to map over non-iterable node."))
    );
    let missing = items_of(body, pointed("/inventory/nothing"))
        .await
        .unwrap_err();
    assert!(
        missing.cause.contains("'/inventory/nothing'"),
        "{}",
        missing.cause
    );
    assert!(items_of(body, pointed("/list/2")).await.is_err());
    assert!(items_of(body, pointed("no-slash")).await.is_err());
}

/// MAP-19: JSON Lines, one value per line; blank lines and CRLF ends are fine; a malformed
/// line fails naming its line.
#[tokio::test]
async fn jsonl() {
    let body = "{\"verdict\": \"true\"}\r\n\n  \n[1]\n\"s\"\n7";
    assert_eq!(
        items_of(body, input(InputType::Jsonl)).await,
        Ok(vec![
            json!({"verdict": "true"}),
            json!([1]),
            json!("s"),
            json!(7)
        ])
    );
    let e = items_of("{}\n{\"a\":\n{}\n", input(InputType::Jsonl))
        .await
        .unwrap_err();
    assert_eq!(e.error, "States.ItemReaderFailed");
    assert!(e.cause.starts_with("Line 2 "), "{}", e.cause);
}

/// MAP-26: an item over 8 MB (what AWS reads before ItemSelector) fails the reader, in every
/// format, without buffering more than that.
#[tokio::test]
async fn items_over_8_mb_fail() {
    let big = "x".repeat(8 * 1024 * 1024 + 1);
    for (body, input_type) in [
        (format!("[\"{big}\"]"), InputType::Json),
        (format!("\"{big}\"\n"), InputType::Jsonl),
        (format!("h\n{big}\n"), InputType::Csv),
    ] {
        let e = items_of(&body, input(input_type)).await.unwrap_err();
        assert!(
            e.cause.contains("maximum size"),
            "{input_type:?}: {}",
            e.cause
        );
    }
}

/// MAP-21: a missing bucket or key fails with S3's error in the cause; parameters must name
/// Bucket and Key as strings.
#[tokio::test]
async fn missing_objects_and_bad_parameters() {
    let store = MemoryObjects::new();
    store.create_bucket("b");
    let get = |p: Value| request(ReadApi::GetObject, p, input(InputType::Json));
    assert_eq!(
        read_all(&store, get(json!({"Bucket": "b", "Key": "nope"}))).await,
        Err(reader_failed(
            "The specified key does not exist. (Service: S3, Status Code: 404, Error Code: NoSuchKey)"
        ))
    );
    assert_eq!(
        read_all(&store, get(json!({"Bucket": "nope", "Key": "k"}))).await,
        Err(reader_failed(
            "The specified bucket does not exist (Service: S3, Status Code: 404, Error Code: NoSuchBucket)"
        ))
    );
    let list = request(
        ReadApi::ListObjectsV2,
        json!({"Bucket": "nope"}),
        config(BASE),
    );
    assert!(
        read_all(&store, list)
            .await
            .unwrap_err()
            .cause
            .contains("NoSuchBucket")
    );
    for p in [
        json!({"Bucket": "b"}),
        json!({"Key": "k"}),
        json!({"Bucket": 1, "Key": "k"}),
        json!("b/k"),
    ] {
        assert!(read_all(&store, get(p.clone())).await.is_err(), "{p}");
    }
}

/// MAP-19: listObjectsV2 items as AWS gives them (Etag quoted MD5, LastModified in epoch
/// seconds, Size, StorageClass; itemreader/list_objects/map_item_reader_base_list_objects_v2),
/// in key order, under `Prefix`, paged lazily across 2,500 keys.
#[tokio::test]
async fn list_objects_v2_items_and_paging() {
    let store = MemoryObjects::new();
    for i in 0..3 {
        store.insert(
            "bucket_name",
            &format!("file_{i}.txt"),
            format!("{i}HelloWorld!"),
        );
    }
    let items = read_all(
        &store,
        request(
            ReadApi::ListObjectsV2,
            json!({"Bucket": "bucket_name"}),
            config(BASE),
        ),
    )
    .await
    .unwrap();
    assert_eq!(items.len(), 3);
    let first = items[0].as_object().unwrap();
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        ["Etag", "Key", "LastModified", "Size", "StorageClass"]
    );
    assert_eq!(items[0]["Key"], "file_0.txt");
    assert_eq!(items[0]["Size"], 12);
    assert_eq!(items[0]["StorageClass"], "STANDARD");
    // MD5("0HelloWorld!")
    assert_eq!(
        items[0]["Etag"],
        format!("\"{}\"", md5_hex(b"0HelloWorld!"))
    );
    assert!(
        items[0]["LastModified"]
            .as_i64()
            .is_some_and(|t| t > 1_600_000_000)
    );

    let counting = Counting::new(MemoryObjects::new().with_page_size(1000));
    for i in 0..2500 {
        counting.inner.insert("big", &format!("data/{i:05}"), "x");
    }
    counting.inner.insert("big", "other/1", "x");
    let list = || {
        request(
            ReadApi::ListObjectsV2,
            json!({"Bucket": "big", "Prefix": "data/"}),
            config(BASE),
        )
    };
    let keys: Vec<String> = read_all(&counting, list())
        .await
        .unwrap()
        .iter()
        .map(|i| i["Key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 2500);
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(counting.lists.load(Ordering::SeqCst), 3);
    // Lazy: taking 10 items lists one page.
    counting.lists.store(0, Ordering::SeqCst);
    let taken: Vec<_> = read(&counting, list()).take(10).collect().await;
    assert_eq!(taken.len(), 10);
    assert_eq!(counting.lists.load(Ordering::SeqCst), 1);
}

/// MAP-19: LOAD_AND_FLATTEN reads every listed object per InputType, in key order, passing
/// over folder markers; a bad object fails the reader.
#[tokio::test]
async fn list_objects_v2_load_and_flatten() {
    let store = MemoryObjects::new().with_page_size(2);
    store.insert("b", "in/", "");
    store.insert("b", "in/1.jsonl", "{\"n\":1}\n{\"n\":2}\n");
    store.insert("b", "in/2.jsonl", "");
    store.insert("b", "in/3.jsonl", "{\"n\":3}\n");
    store.insert("b", "out/4.jsonl", "{\"n\":4}\n");
    let flatten = config(ReaderConfig {
        input_type: Some(InputType::Jsonl),
        load_and_flatten: true,
        ..BASE
    });
    let req = || {
        request(
            ReadApi::ListObjectsV2,
            json!({"Bucket": "b", "Prefix": "in/"}),
            flatten,
        )
    };
    assert_eq!(
        read_all(&store, req()).await,
        Ok(vec![json!({"n": 1}), json!({"n": 2}), json!({"n": 3})])
    );
    store.insert("b", "in/5.jsonl", "nope\n");
    assert!(read_all(&store, req()).await.is_err());
}

/// MAP-19: an S3 inventory manifest's gzip CSV data files, items keyed by `fileSchema`, every
/// value a string (ItemReader docs' example), both as `InputType: MANIFEST` and as
/// `ManifestType: S3_INVENTORY`; an ORC inventory is refused.
#[tokio::test]
async fn s3_inventory_manifest() {
    let store = MemoryObjects::new();
    let manifest = json!({
        "sourceBucket": "source",
        "destinationBucket": "arn:aws:s3:::inventory",
        "version": "2016-11-30",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size, LastModifiedDate",
        "files": [{"key": "inv/data/a.csv.gz", "size": 1, "MD5checksum": "x"}, {"key": "inv/data/b.csv.gz", "size": 1, "MD5checksum": "y"}]
    });
    store.insert("inventory", "inv/manifest.json", manifest.to_string());
    store.insert(
        "inventory",
        "inv/data/a.csv.gz",
        gzip(b"\"source\",\"csvDataset/\",\"0\",\"2022-11-16T00:27:19.000Z\"\n\"source\",\"csvDataset/titles.csv\",\"3399671\",\"2022-11-16T00:29:32.000Z\"\n").await,
    );
    store.insert(
        "inventory",
        "inv/data/b.csv.gz",
        gzip(b"\"source\",\"imageDataset/x.jpg\",\"27034\",\"2022-11-15T20:02:16.000Z\"\n").await,
    );
    let params = json!({"Bucket": "inventory", "Key": "inv/manifest.json"});
    let expected = vec![
        json!({"Bucket": "source", "Key": "csvDataset/", "Size": "0", "LastModifiedDate": "2022-11-16T00:27:19.000Z"}),
        json!({"Bucket": "source", "Key": "csvDataset/titles.csv", "Size": "3399671", "LastModifiedDate": "2022-11-16T00:29:32.000Z"}),
        json!({"Bucket": "source", "Key": "imageDataset/x.jpg", "Size": "27034", "LastModifiedDate": "2022-11-15T20:02:16.000Z"}),
    ];
    assert_eq!(
        read_all(
            &store,
            request(
                ReadApi::GetObject,
                params.clone(),
                input(InputType::Manifest)
            )
        )
        .await,
        Ok(expected.clone())
    );
    let typed = config(ReaderConfig {
        manifest_type: Some(ManifestType::S3Inventory),
        ..BASE
    });
    assert_eq!(
        read_all(&store, request(ReadApi::GetObject, params.clone(), typed)).await,
        Ok(expected)
    );

    let mut orc = manifest.clone();
    orc["fileFormat"] = json!("ORC");
    store.insert("inventory", "inv/manifest.json", orc.to_string());
    let e = read_all(&store, request(ReadApi::GetObject, params, typed))
        .await
        .unwrap_err();
    assert!(e.cause.contains("ORC"), "{}", e.cause);
}

/// MAP-19: an Athena UNLOAD manifest (`ATHENA_DATA`) lists data files read per InputType;
/// without CSV or JSONL the reader fails naming ATHENA_DATA.
#[tokio::test]
async fn athena_manifest() {
    let store = MemoryObjects::new();
    store.insert(
        "athena",
        "q-manifest.csv",
        "s3://athena/data/f1\nS3://data/f2\n\n",
    );
    store.insert("athena", "data/f1", "{\"a\":1}\n");
    store.insert("data", "f2", "{\"a\":2}\n{\"a\":3}\n");
    let athena = |input_type| {
        config(ReaderConfig {
            input_type,
            manifest_type: Some(ManifestType::AthenaData),
            ..BASE
        })
    };
    let params = json!({"Bucket": "athena", "Key": "q-manifest.csv"});
    assert_eq!(
        read_all(
            &store,
            request(
                ReadApi::GetObject,
                params.clone(),
                athena(Some(InputType::Jsonl))
            )
        )
        .await,
        Ok(vec![json!({"a": 1}), json!({"a": 2}), json!({"a": 3})])
    );
    let e = read_all(&store, request(ReadApi::GetObject, params, athena(None)))
        .await
        .unwrap_err();
    assert!(e.cause.contains("ATHENA_DATA"), "{}", e.cause);
}

/// Items stream: the first items of a 1,000,000-row CSV and JSONL and a huge JSON array are
/// read having served only a little of the body.
#[tokio::test]
async fn streaming_reads_only_what_is_taken() {
    for input_type in [InputType::Csv, InputType::Jsonl, InputType::Json] {
        let store = Generated::new(input_type, 1_000_000);
        let served = store.served.clone();
        let req = request(
            ReadApi::GetObject,
            json!({"Bucket": "b", "Key": "k"}),
            input(input_type),
        );
        let items: Vec<_> = read(&store, req).take(3).collect().await;
        assert_eq!(items.len(), 3, "{input_type:?}");
        assert!(items.iter().all(Result::is_ok), "{input_type:?}: {items:?}");
        let n = served.load(Ordering::SeqCst);
        assert!(n < 64 * 1024, "{input_type:?}: {n} bytes served");
    }
}

/// Items stream: all 1,000,000 rows of a generated JSONL body are read without the body ever
/// being held (it is generated as it is served).
#[tokio::test]
async fn streaming_a_million_lines() {
    let store = Generated::new(InputType::Jsonl, 1_000_000);
    let req = request(
        ReadApi::GetObject,
        json!({"Bucket": "b", "Key": "k"}),
        input(InputType::Jsonl),
    );
    let mut stream = read(&store, req);
    let mut count = 0u64;
    while let Some(item) = stream.next().await {
        assert_eq!(item.unwrap()["i"], count);
        count += 1;
    }
    assert_eq!(count, 1_000_000);
}

/// LocalObjects: put, get and list round trip (nested keys, ETag, paging), S3's errors, and
/// keys that would leave the bucket refused.
#[tokio::test]
async fn local_objects_round_trip() {
    let root = std::env::temp_dir().join(format!("asl-items-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("b")).unwrap();
    std::fs::write(root.join("secret"), "no").unwrap();
    let store = LocalObjects::new(&root).with_page_size(2);
    let put = |key: &str, body: &str| PutObject {
        bucket: "b".into(),
        key: key.into(),
        body: body.as_bytes().to_vec(),
    };
    for (key, body) in [
        ("x/y/z.json", "[1,2]"),
        ("a.json", "[3]"),
        ("x/w.json", "[]"),
    ] {
        store.put_object(put(key, body)).await.unwrap();
    }
    let items = read_all(
        &store,
        request(ReadApi::ListObjectsV2, json!({"Bucket": "b"}), config(BASE)),
    )
    .await
    .unwrap();
    let keys: Vec<&str> = items.iter().map(|i| i["Key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["a.json", "x/w.json", "x/y/z.json"]);
    assert_eq!(items[2]["Size"], 5);
    assert_eq!(items[2]["Etag"], format!("\"{}\"", md5_hex(b"[1,2]")));
    let flatten = config(ReaderConfig {
        input_type: Some(InputType::Json),
        load_and_flatten: true,
        ..BASE
    });
    let all = read_all(
        &store,
        request(
            ReadApi::ListObjectsV2,
            json!({"Bucket": "b", "Prefix": "x/"}),
            flatten,
        ),
    )
    .await;
    assert_eq!(all, Ok(vec![json!(1), json!(2)]));

    let get = |bucket: &str, key: &str| GetObject {
        bucket: bucket.into(),
        key: key.into(),
        version_id: None,
    };
    let code = |r: Result<ObjectBody, ObjectError>| r.err().map(|e| (e.code, e.status));
    assert_eq!(
        code(store.get_object(&get("b", "nope")).await),
        Some(("NoSuchKey".into(), Some(404)))
    );
    assert_eq!(
        code(store.get_object(&get("b", "x")).await),
        Some(("NoSuchKey".into(), Some(404)))
    );
    assert_eq!(
        code(store.get_object(&get("c", "a.json")).await),
        Some(("NoSuchBucket".into(), Some(404)))
    );
    for key in ["../secret", "x/../../secret", "/etc/passwd", ""] {
        assert_eq!(
            code(store.get_object(&get("b", key)).await).map(|c| c.0),
            Some("InvalidKey".into()),
            "{key}"
        );
        assert!(store.put_object(put(key, "x")).await.is_err(), "{key}");
    }
    assert!(store.get_object(&get("..", "secret")).await.is_err());
    assert!(
        store
            .put_object(PutObject {
                bucket: "c".into(),
                key: "k".into(),
                body: vec![]
            })
            .await
            .is_err()
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// MemoryObjects: clones share objects; put needs the bucket; get inspects what was written.
#[tokio::test]
async fn memory_objects_share_and_inspect() {
    let store = MemoryObjects::new();
    let clone = store.clone();
    let put = PutObject {
        bucket: "out".into(),
        key: "r/manifest.json".into(),
        body: b"{}".to_vec(),
    };
    assert_eq!(
        clone.put_object(put.clone()).await.unwrap_err().code,
        "NoSuchBucket"
    );
    store.create_bucket("out");
    clone.put_object(put).await.unwrap();
    assert_eq!(store.get("out", "r/manifest.json"), Some(b"{}".to_vec()));
    assert_eq!(store.keys("out"), ["r/manifest.json"]);
    assert_eq!(store.get("out", "nope"), None);
}

mod csv_round_trip {
    use super::*;
    use proptest::prelude::*;

    /// A field as a CSV writer quoting everything would write it.
    fn quote(field: &str) -> String {
        format!("\"{}\"", field.replace('\\', "\\\\").replace('"', "\"\""))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// MAP-20: any strings, quoted (`""`, backslashes doubled), read back unchanged.
        #[test]
        fn quoted_fields_read_back(rows in prop::collection::vec(prop::collection::vec(".{0,12}", 2), 1..6)) {
            let mut body = String::from("a,b\n");
            for row in &rows {
                body.push_str(&row.iter().map(|f| quote(f)).collect::<Vec<_>>().join(","));
                body.push('\n');
            }
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let items = runtime.block_on(items_of(&body, input(InputType::Csv))).unwrap();
            let expected: Vec<Value> = rows.iter().map(|r| json!({"a": r[0], "b": r[1]})).collect();
            prop_assert_eq!(items, expected);
        }
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    format!("{:x}", Md5::digest(bytes))
}

async fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = async_compression::tokio::write::GzipEncoder::new(Vec::new());
    encoder.write_all(bytes).await.unwrap();
    encoder.shutdown().await.unwrap();
    encoder.into_inner()
}

/// A store that counts its ListObjectsV2 calls.
struct Counting {
    inner: MemoryObjects,
    lists: AtomicUsize,
}

impl Counting {
    fn new(inner: MemoryObjects) -> Self {
        Counting {
            inner,
            lists: AtomicUsize::new(0),
        }
    }
}

impl ObjectStore for Counting {
    fn get_object<'a>(&'a self, request: &'a GetObject) -> ObjectFuture<'a, ObjectBody> {
        self.inner.get_object(request)
    }
    fn list_objects_v2<'a>(&'a self, request: &'a ListObjects) -> ObjectFuture<'a, ListPage> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list_objects_v2(request)
    }
    fn put_object<'a>(&'a self, request: PutObject) -> ObjectFuture<'a, ()> {
        self.inner.put_object(request)
    }
}

/// A store whose one object is generated as it is read: `rows` rows of CSV, JSONL or a JSON
/// array, counting the bytes served.
struct Generated {
    input_type: InputType,
    rows: usize,
    served: Arc<AtomicUsize>,
}

impl Generated {
    fn new(input_type: InputType, rows: usize) -> Self {
        Generated {
            input_type,
            rows,
            served: Arc::default(),
        }
    }
}

impl ObjectStore for Generated {
    fn get_object<'a>(&'a self, _: &'a GetObject) -> ObjectFuture<'a, ObjectBody> {
        let body = Body {
            input_type: self.input_type,
            rows: self.rows,
            next: 0,
            pending: Vec::new(),
            served: self.served.clone(),
        };
        Box::pin(async move { Ok(Box::pin(body) as ObjectBody) })
    }
    fn list_objects_v2<'a>(&'a self, _: &'a ListObjects) -> ObjectFuture<'a, ListPage> {
        Box::pin(async { Ok(ListPage::default()) })
    }
    fn put_object<'a>(&'a self, _: PutObject) -> ObjectFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

struct Body {
    input_type: InputType,
    rows: usize,
    /// The next row to generate (`rows + 1`: done).
    next: usize,
    pending: Vec<u8>,
    served: Arc<AtomicUsize>,
}

impl AsyncRead for Body {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        while self.pending.is_empty() && self.next <= self.rows {
            let i = self.next;
            let text = match (self.input_type, i) {
                (InputType::Csv, 0) => "i,name\n".to_string(),
                (InputType::Csv, i) => format!("{},row {}\n", i - 1, i - 1),
                (InputType::Json, 0) => "[".to_string(),
                (InputType::Json, i) if i == self.rows => format!("{{\"i\":{}}}]", i - 1),
                (InputType::Json, i) => format!("{{\"i\":{}}},", i - 1),
                (_, i) if i < self.rows => format!("{{\"i\":{i}}}\n"),
                _ => String::new(),
            };
            self.pending = text.into_bytes();
            self.next += 1;
        }
        let n = buf.remaining().min(self.pending.len());
        let chunk: Vec<u8> = self.pending.drain(..n).collect();
        buf.put_slice(&chunk);
        self.served.fetch_add(n, Ordering::SeqCst);
        Poll::Ready(Ok(()))
    }
}
