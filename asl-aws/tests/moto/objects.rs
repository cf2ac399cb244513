//! `asl_aws::Aws` as an `asl_runtime::items::ObjectStore` against moto: the S3 calls of a
//! Distributed Map's `ItemReader` (MAP-19: `s3:getObject` streamed, `s3:listObjectsV2` paged)
//! and `ResultWriter` (MAP-23: `s3:putObject`), with S3's error codes for the reader's and
//! writer's failures (MAP-21). Fixtures are put with the SDK into a fresh bucket.

use asl_runtime::items::{
    self, CsvDelimiter, CsvHeaders, GetObject, InputType, ListObjects, ObjectError, ObjectStore,
    PutObject, ReadApi, ReadRequest, ReaderConfig,
};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use crate::common::{self, Moto};

/// moto, an S3 client on it and a fresh bucket; `None` skips the test.
async fn setup(test: &str) -> Option<(Moto, aws_sdk_s3::Client, String)> {
    let m = common::moto(test, "us-east-1").await?;
    let conf = aws_sdk_s3::config::Builder::from(&m.config)
        .force_path_style(true)
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(conf);
    let bucket = common::unique("asl-objects");
    if let Err(e) = s3.create_bucket().bucket(&bucket).send().await {
        panic!("{test}: create bucket {bucket}: {e:?}");
    }
    Some((m, s3, bucket))
}

/// Puts `body` at `key` with the SDK (a fixture, not the store under test).
async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, body: Vec<u8>) -> Option<String> {
    match s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body))
        .send()
        .await
    {
        Ok(o) => o.version_id().map(str::to_owned),
        Err(e) => panic!("put {key}: {e:?}"),
    }
}

fn get(bucket: &str, key: &str) -> GetObject {
    GetObject {
        bucket: bucket.into(),
        key: key.into(),
        version_id: None,
    }
}

/// The whole body of `request`, read through `AsyncRead`.
async fn read_all(aws: &asl_aws::Aws, request: &GetObject) -> Result<Vec<u8>, ObjectError> {
    let mut body = aws.get_object(request).await?;
    let mut bytes = Vec::new();
    if let Err(e) = body.read_to_end(&mut bytes).await {
        panic!("reading {}: {e}", request.key);
    }
    Ok(bytes)
}

/// The byte at offset `i` of the large object: not periodic in any power of two, so a chunk
/// read at the wrong offset shows.
fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

/// MAP-19 (`s3:getObject`): the object's bytes, exactly (UTF-8 and not).
#[tokio::test]
async fn get_object_returns_the_bytes() {
    let Some((m, s3, bucket)) = setup("get_object_returns_the_bytes").await else {
        return;
    };
    let body = b"id,name\n1,caf\xc3\xa9\n2,\xff\n".to_vec();
    put(&s3, &bucket, "data/items.csv", body.clone()).await;
    let read = read_all(&m.aws, &get(&bucket, "data/items.csv")).await;
    assert_eq!(read, Ok(body));
    let empty = put(&s3, &bucket, "empty", Vec::new()).await;
    assert!(empty.is_none(), "an unversioned bucket has no version ids");
    assert_eq!(read_all(&m.aws, &get(&bucket, "empty")).await, Ok(vec![]));
}

/// MAP-26 (objects up to 10 GB, streamed): a 5 MB object arrives in many reads of a 64 KiB
/// buffer, each at the right offset; nothing holds it whole.
#[tokio::test]
async fn large_object_is_streamed_in_chunks() {
    let Some((m, s3, bucket)) = setup("large_object_is_streamed_in_chunks").await else {
        return;
    };
    const SIZE: usize = 5 * 1024 * 1024;
    put(&s3, &bucket, "big.bin", (0..SIZE).map(pattern).collect()).await;
    let mut body = match m.aws.get_object(&get(&bucket, "big.bin")).await {
        Ok(b) => b,
        Err(e) => panic!("get big.bin: {e}"),
    };
    let mut buffer = vec![0_u8; 64 * 1024];
    let (mut offset, mut reads) = (0_usize, 0_usize);
    loop {
        let n = match body.read(&mut buffer).await {
            Ok(n) => n,
            Err(e) => panic!("read at {offset}: {e}"),
        };
        if n == 0 {
            break;
        }
        reads += 1;
        for (i, b) in buffer[..n].iter().enumerate() {
            assert_eq!(*b, pattern(offset + i), "byte {}", offset + i);
        }
        offset += n;
    }
    assert_eq!(offset, SIZE);
    assert!(reads >= SIZE / buffer.len(), "{reads} reads");
}

/// MAP-19 with `VersionId`: the version asked for, not the latest.
#[tokio::test]
async fn get_object_reads_a_version() {
    let Some((m, s3, bucket)) = setup("get_object_reads_a_version").await else {
        return;
    };
    let versioning = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::Enabled)
        .build();
    if let Err(e) = s3
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(versioning)
        .send()
        .await
    {
        panic!("versioning: {e:?}");
    }
    let first = put(&s3, &bucket, "v.json", b"[1]".to_vec()).await;
    put(&s3, &bucket, "v.json", b"[2]".to_vec()).await;
    assert!(first.is_some(), "a versioned bucket returns version ids");
    let old = GetObject {
        version_id: first,
        ..get(&bucket, "v.json")
    };
    assert_eq!(read_all(&m.aws, &old).await, Ok(b"[1]".to_vec()));
    assert_eq!(
        read_all(&m.aws, &get(&bucket, "v.json")).await,
        Ok(b"[2]".to_vec())
    );
}

/// MAP-19 (`s3:listObjectsV2`): pages of 1,000 keys in key order, continued by
/// `NextContinuationToken` until the last page (which has none), within `Prefix`; each object
/// with its `Size`, quoted `ETag`, `LastModified` and `StorageClass`.
#[tokio::test]
async fn list_pages_through_continuation_tokens() {
    let Some((m, s3, bucket)) = setup("list_pages_through_continuation_tokens").await else {
        return;
    };
    const MANY: usize = 1005;
    let mut keys: Vec<String> = (0..MANY).map(|i| format!("many/{i:05}.txt")).collect();
    keys.extend([
        "a-first".to_owned(),
        "other/x".to_owned(),
        "z-last".to_owned(),
    ]);
    // Put concurrently, a few dozen at a time (moto serves them one by one anyway).
    for batch in keys.chunks(40) {
        let mut puts = tokio::task::JoinSet::new();
        for key in batch {
            let (s3, bucket, key) = (s3.clone(), bucket.clone(), key.clone());
            puts.spawn(async move {
                let body = key.as_bytes().to_vec();
                put(&s3, &bucket, &key, body).await
            });
        }
        while let Some(done) = puts.join_next().await {
            if let Err(e) = done {
                panic!("put task: {e}");
            }
        }
    }

    let mut request = ListObjects {
        bucket: bucket.clone(),
        prefix: Some("many/".into()),
        continuation_token: None,
    };
    let mut pages = Vec::new();
    loop {
        let page = match m.aws.list_objects_v2(&request).await {
            Ok(p) => p,
            Err(e) => panic!("list page {}: {e}", pages.len()),
        };
        let next = page.next_continuation_token.clone();
        pages.push(page);
        match next {
            Some(token) => request.continuation_token = Some(token),
            None => break,
        }
        assert!(pages.len() < 10, "the listing does not end");
    }
    let sizes: Vec<usize> = pages.iter().map(|p| p.objects.len()).collect();
    assert_eq!(sizes, [1000, MANY - 1000]);
    let listed: Vec<&str> = pages
        .iter()
        .flat_map(|p| &p.objects)
        .map(|o| o.key.as_str())
        .collect();
    assert_eq!(
        listed,
        keys[..MANY].iter().map(String::as_str).collect::<Vec<_>>()
    );

    let first = &pages[0].objects[0];
    assert_eq!(first.size, "many/00000.txt".len() as u64);
    // The ETag of a single-part upload: the body's MD5, quoted.
    assert_eq!(first.etag.len(), 34, "{}", first.etag);
    assert!(first.etag.starts_with('"') && first.etag.ends_with('"'));
    assert_eq!(first.storage_class, "STANDARD");
    assert!(
        chrono::DateTime::parse_from_rfc3339(&first.last_modified).is_ok(),
        "LastModified {}",
        first.last_modified
    );

    // Without a prefix: every key, in order, on two pages.
    let all = ListObjects {
        bucket: bucket.clone(),
        ..ListObjects::default()
    };
    let page = m.aws.list_objects_v2(&all).await;
    let Ok(page) = page else {
        panic!("list all: {page:?}")
    };
    assert_eq!(page.objects.len(), 1000);
    assert_eq!(page.objects[0].key, "a-first");
    let rest = ListObjects {
        continuation_token: page.next_continuation_token,
        ..all
    };
    let page = m.aws.list_objects_v2(&rest).await;
    let Ok(page) = page else {
        panic!("list rest: {page:?}")
    };
    let tail: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(tail.len(), keys.len() - 1000);
    assert_eq!(tail[tail.len() - 2..], ["other/x", "z-last"]);
    assert_eq!(page.next_continuation_token, None);

    // A prefix nothing has: one empty page.
    let none = ListObjects {
        bucket,
        prefix: Some("nothing/".into()),
        continuation_token: None,
    };
    let page = m.aws.list_objects_v2(&none).await;
    assert_eq!(
        page.map(|p| (p.objects.len(), p.next_continuation_token)),
        Ok((0, None))
    );
}

/// MAP-23 (`s3:putObject`): what the writer puts reads back byte for byte and lists with its
/// size; a second put replaces it.
#[tokio::test]
async fn put_then_get_round_trip() {
    let Some((m, _s3, bucket)) = setup("put_then_get_round_trip").await else {
        return;
    };
    let key = "results/run-1/SUCCEEDED_0.json";
    let body = serde_json::to_vec(&json!([{"Status": "SUCCEEDED", "Output": "{\"a\":1}"}]))
        .unwrap_or_default();
    let object = PutObject {
        bucket: bucket.clone(),
        key: key.into(),
        body: body.clone(),
    };
    assert_eq!(items::write(&m.aws, object).await, Ok(()));
    assert_eq!(read_all(&m.aws, &get(&bucket, key)).await, Ok(body.clone()));
    let listing = ListObjects {
        bucket: bucket.clone(),
        prefix: Some("results/".into()),
        continuation_token: None,
    };
    let page = m.aws.list_objects_v2(&listing).await;
    let Ok(page) = page else {
        panic!("list: {page:?}")
    };
    assert_eq!(page.objects.len(), 1);
    assert_eq!(page.objects[0].key, key);
    assert_eq!(page.objects[0].size, body.len() as u64);

    let replaced = PutObject {
        bucket: bucket.clone(),
        key: key.into(),
        body: b"[]".to_vec(),
    };
    assert_eq!(m.aws.put_object(replaced).await, Ok(()));
    assert_eq!(
        read_all(&m.aws, &get(&bucket, key)).await,
        Ok(b"[]".to_vec())
    );
}

/// MAP-21: the reader's and writer's failures carry S3's error code, message and status:
/// `NoSuchKey` and `NoSuchBucket`, 404 (the S3 API reference's error codes).
#[tokio::test]
async fn missing_keys_and_buckets_are_s3_errors() {
    let Some((m, _s3, bucket)) = setup("missing_keys_and_buckets_are_s3_errors").await else {
        return;
    };
    let code = |r: Result<_, ObjectError>| r.err().map(|e| (e.code, e.status));
    let missing = m.aws.get_object(&get(&bucket, "no/such.csv")).await;
    let Err(e) = missing else {
        panic!("a missing key was read")
    };
    assert_eq!((e.code.as_str(), e.status), ("NoSuchKey", Some(404)));
    assert_eq!(e.message, "The specified key does not exist.");

    let gone = common::unique("asl-no-such-bucket");
    let got = m.aws.get_object(&get(&gone, "k")).await;
    assert_eq!(
        code(got.map(|_| ())),
        Some(("NoSuchBucket".into(), Some(404)))
    );
    let listing = ListObjects {
        bucket: gone.clone(),
        ..ListObjects::default()
    };
    let listed = m.aws.list_objects_v2(&listing).await;
    assert_eq!(
        code(listed.map(|_| ())),
        Some(("NoSuchBucket".into(), Some(404)))
    );
    let put = m
        .aws
        .put_object(PutObject {
            bucket: gone.clone(),
            key: "manifest.json".into(),
            body: b"{}".to_vec(),
        })
        .await;
    let Err(e) = put else {
        panic!("put into a missing bucket")
    };
    assert_eq!((e.code.as_str(), e.status), ("NoSuchBucket", Some(404)));
    assert!(e.message.contains("bucket does not exist"), "{}", e.message);
}

/// A store that reaches no S3 (nothing listens on the endpoint) fails with the SDK's client
/// error and no status, rather than hanging or panicking.
#[tokio::test]
async fn unreachable_endpoint_is_a_client_error() {
    // Still gated on moto, so that the suite's skip rules stay the same.
    if common::moto_url("unreachable_endpoint_is_a_client_error").is_none() {
        return;
    }
    let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => panic!("bind: {e}"),
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    drop(listener); // the port is now closed: connections are refused
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new("us-east-1"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let aws = asl_aws::Aws::from_conf(config);
    let Err(e) = aws.get_object(&get("bucket", "key")).await else {
        panic!("read from a closed port")
    };
    assert_eq!((e.code.as_str(), e.status), ("SdkClientException", None));
    assert!(
        e.message.starts_with("Unable to execute HTTP request"),
        "{}",
        e.message
    );
}

/// CSV with a first-row header, as the Map reads `itemreader/csv` objects.
static CSV: ReaderConfig = ReaderConfig {
    input_type: Some(InputType::Csv),
    csv_headers: CsvHeaders::FirstRow,
    csv_delimiter: CsvDelimiter::Comma,
    items_pointer: None,
    load_and_flatten: false,
    manifest_type: None,
};

/// `listObjectsV2`: no `ReaderConfig`.
static LISTING: ReaderConfig = ReaderConfig {
    input_type: None,
    csv_headers: CsvHeaders::FirstRow,
    csv_delimiter: CsvDelimiter::Comma,
    items_pointer: None,
    load_and_flatten: false,
    manifest_type: None,
};

/// Every item of `request`, or the reader's error.
async fn items_of(aws: &asl_aws::Aws, request: ReadRequest) -> Result<Vec<Value>, String> {
    let mut stream = items::read(aws, request);
    let mut out = Vec::new();
    while let Some(item) = stream.next().await {
        out.push(item.map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// MAP-19/MAP-20 end to end on S3: `items::read` over `Aws` yields a CSV object's rows as
/// string-valued objects, and a bucket's listing as `Etag`/`Key`/`LastModified`/`Size`/
/// `StorageClass` items in key order (`itemreader/list_objects/
/// map_item_reader_base_list_objects_v2`: three 12-byte objects, `STANDARD`).
#[tokio::test]
async fn items_read_from_s3() {
    let Some((m, s3, bucket)) = setup("items_read_from_s3").await else {
        return;
    };
    put(
        &s3,
        &bucket,
        "in/rows.csv",
        b"id,name\n1,a\n2,\"b, c\"\n".to_vec(),
    )
    .await;
    let rows = items_of(
        &m.aws,
        ReadRequest {
            state: "MapState",
            api: ReadApi::GetObject,
            parameters: json!({"Bucket": bucket, "Key": "in/rows.csv"}),
            config: &CSV,
        },
    )
    .await;
    assert_eq!(
        rows,
        Ok(vec![
            json!({"id": "1", "name": "a"}),
            json!({"id": "2", "name": "b, c"})
        ])
    );

    for i in 0..3 {
        put(
            &s3,
            &bucket,
            &format!("file_{i}.txt"),
            format!("{i}HelloWorld!").into_bytes(),
        )
        .await;
    }
    let listed = items_of(
        &m.aws,
        ReadRequest {
            state: "MapState",
            api: ReadApi::ListObjectsV2,
            parameters: json!({"Bucket": bucket, "Prefix": "file_"}),
            config: &LISTING,
        },
    )
    .await;
    let Ok(listed) = listed else {
        panic!("listing: {listed:?}")
    };
    let keys: Vec<(&Value, &Value, &Value)> = listed
        .iter()
        .map(|o| (&o["Key"], &o["Size"], &o["StorageClass"]))
        .collect();
    assert_eq!(
        keys,
        [
            (&json!("file_0.txt"), &json!(12), &json!("STANDARD")),
            (&json!("file_1.txt"), &json!(12), &json!("STANDARD")),
            (&json!("file_2.txt"), &json!(12), &json!("STANDARD")),
        ]
    );
    for item in &listed {
        assert!(item["Etag"].is_string(), "{item}");
        assert!(!item["LastModified"].is_null(), "{item}");
    }
}

asl_runtime::asl!(mod exported {
    "StartAt": "Lines",
    "States": {
        "Lines": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket.$": "$.bucket", "Key": "in/lines.csv"}
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "Tag",
                "States": {
                    "Tag": {"Type": "Pass", "Parameters": {"sku.$": "$.sku", "seen": true}, "End": true}
                }
            },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket.$": "$.bucket", "Prefix": "out"}
            },
            "End": true
        }
    }
});

/// A generated workflow with no hand-written code: `Workflow::from_services(aws)` reads its
/// Distributed Map's items from S3 and writes the Map Run's results there (MAP-19, MAP-23),
/// through `Integrated`'s default `read_lines`/`write_lines`.
#[tokio::test]
async fn a_workflow_reads_and_writes_s3_through_its_services() {
    let Some((m, s3, bucket)) = setup("a_workflow_reads_and_writes_s3_through_its_services").await
    else {
        return;
    };
    put(
        &s3,
        &bucket,
        "in/lines.csv",
        b"sku,qty\nA-1,2\nB-2,5\n".to_vec(),
    )
    .await;
    let wf = exported::Workflow::from_services(m.aws.clone());
    let out = match wf.run(json!({ "bucket": bucket })).await {
        Ok(v) => v,
        Err(e) => panic!("execution failed: {e:?}"),
    };
    let key = out["ResultWriterDetails"]["Key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(out["ResultWriterDetails"]["Bucket"], json!(bucket));
    assert!(
        key.starts_with("out/") && key.ends_with("/manifest.json"),
        "{out}"
    );
    let manifest = read_all(&m.aws, &get(&bucket, &key)).await;
    let manifest: Value = match manifest.map(|b| serde_json::from_slice(&b)) {
        Ok(Ok(v)) => v,
        other => panic!("manifest: {other:?}"),
    };
    let succeeded = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let results = match read_all(&m.aws, &get(&bucket, &succeeded)).await {
        Ok(b) => serde_json::from_slice::<Value>(&b).unwrap_or_default(),
        Err(e) => panic!("{succeeded}: {e}"),
    };
    let outputs: Vec<Value> = results
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| serde_json::from_str(e["Output"].as_str().unwrap_or("null")).unwrap_or_default())
        .collect();
    assert_eq!(
        outputs,
        vec![
            json!({"sku": "A-1", "seen": true}),
            json!({"sku": "B-2", "seen": true})
        ]
    );
}
