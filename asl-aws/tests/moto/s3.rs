//! S3 through AWS SDK integrations (TASK-2 `arn:aws:states:::aws-sdk:s3:*`, TASK-12 error
//! names) against moto, compared with what AWS recorded in the conformance corpus
//! (`tasks/services/s3_get_object_*`, `s3_put_object_*`, `tasks/error_handling/no_such_bucket`):
//! the corpus's masked bucket names become a fresh bucket in moto, masked values (`date`,
//! request ids) are checked for their form.

use asl_runtime::ExecutionError;
use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value, json};

use crate::common::{self, Moto};

// The corpus's definitions, as recorded (s3_get_object_*, s3_put_object_*).
asl_runtime::asl!(mod get_object {
    "Comment": "AWS_SDK_S3_GET_OBJECT",
    "StartAt": "S3GetObject",
    "States": {
      "S3GetObject": {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
        "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"},
        "End": true
      }
    }
});

asl_runtime::asl!(mod put_object {
    "Comment": "AWS_SDK_S3_PUT_OBJECT",
    "StartAt": "S3PutObject",
    "States": {
      "S3PutObject": {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
        "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key", "Body.$": "$.Body"},
        "End": true
      }
    }
});

// tasks/error_handling/no_such_bucket, as recorded (the state's name included).
asl_runtime::asl!(mod no_such_bucket {
    "Comment": "AWS_SDK_TASK_ERROR_S3_LIST_OBJECTS",
    "StartAt": "CreateSecret",
    "States": {
      "CreateSecret": {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:listObjects",
        "Parameters": {"Bucket.$": "$.Bucket"},
        "Catch": [{
          "ErrorEquals": ["States.TaskFailed"],
          "ResultPath": "$.TaskFailedError",
          "Next": "TaskFailedHandler"
        }],
        "End": true
      },
      "TaskFailedHandler": {"Type": "Pass", "End": true}
    }
});

// One state per API, the execution input being the API's parameters.
asl_runtime::asl!(mod get_any {
    "StartAt": "Get", "States": {"Get": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "End": true}}
});
asl_runtime::asl!(mod put_any {
    "StartAt": "Put", "States": {"Put": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject", "End": true}}
});
asl_runtime::asl!(mod head_any {
    "StartAt": "Head", "States": {"Head": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:headObject", "End": true}}
});
asl_runtime::asl!(mod list_v2 {
    "StartAt": "List", "States": {"List": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2", "End": true}}
});
asl_runtime::asl!(mod list_v1 {
    "StartAt": "List", "States": {"List": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjects", "End": true}}
});

// Copy, read the copy back, delete the original, then find it gone (caught).
asl_runtime::asl!(mod copy_delete {
    "StartAt": "Copy", "States": {
        "Copy": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:copyObject",
            "Parameters": {
                "Bucket.$": "$.Bucket", "Key.$": "$.Copy",
                "CopySource.$": "States.Format('{}/{}', $.Bucket, $.Key)",
                "MetadataDirective": "REPLACE", "ContentType": "application/json",
                "Metadata": {"origin": "copy"}
            },
            "ResultPath": "$.Copied", "Next": "ReadCopy"},
        "ReadCopy": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:headObject",
            "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Copy"},
            "ResultPath": "$.CopyHead", "Next": "Delete"},
        "Delete": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:deleteObject",
            "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"},
            "ResultPath": "$.Deleted", "Next": "Gone"},
        "Gone": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"},
            "Catch": [{"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.Missing",
                       "Next": "Done"}],
            "ResultPath": "$.Unexpected", "Next": "Done"},
        "Done": {"Type": "Succeed"}
    }
});

/// moto, an S3 client on it and a fresh bucket; `None` skips the test.
async fn setup(test: &str) -> Option<(Moto, aws_sdk_s3::Client, String)> {
    let m = common::moto(test, "us-east-1").await?;
    let conf = aws_sdk_s3::config::Builder::from(&m.config)
        .force_path_style(true)
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(conf);
    let bucket = common::unique("asl-s3");
    if let Err(e) = s3.create_bucket().bucket(&bucket).send().await {
        panic!("{test}: create bucket {bucket}: {e:?}");
    }
    Some((m, s3, bucket))
}

/// Puts an object as the corpus's tests did (boto3, no `Content-Type`: S3 stores its default
/// `binary/octet-stream`, which the Rust SDK would replace by `application/octet-stream`).
async fn put_raw(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, body: &[u8]) {
    if let Err(e) = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("binary/octet-stream")
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
    {
        panic!("put {key}: {e:?}");
    }
}

async fn stored(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    match s3.get_object().bucket(bucket).key(key).send().await {
        Ok(o) => match o.body.collect().await {
            Ok(b) => b.to_vec(),
            Err(e) => panic!("read {key}: {e:?}"),
        },
        Err(e) => panic!("get {key}: {e:?}"),
    }
}

fn ok(r: Result<Value, ExecutionError>) -> Value {
    match r {
        Ok(v) => v,
        Err(e) => panic!("execution failed: {:?}: {:?}", e.error(), e.cause()),
    }
}

fn failed(r: Result<Value, ExecutionError>) -> (String, String) {
    match r {
        Ok(v) => panic!("execution succeeded: {v}"),
        Err(e) => (
            e.error().unwrap_or_default().to_owned(),
            e.cause().unwrap_or_default().to_owned(),
        ),
    }
}

/// An AWS SDK cause: `<message> (Service: S3, Status Code: <status>, Request ID: …)`,
/// optionally with `, Extended Request ID: …`.
fn assert_cause(cause: &str, message: &str, status: u16) {
    let prefix = format!("{message} (Service: S3, Status Code: {status}, Request ID: ");
    assert!(
        cause.starts_with(&prefix) && cause.ends_with(')'),
        "cause {cause:?} is not {prefix:?}…)"
    );
}

/// A timestamp as AWS records them: ISO-8601 in UTC, `Z`.
fn assert_iso(v: &Value) {
    let s = v.as_str().unwrap_or_default();
    assert!(
        s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        "not an ISO-8601 UTC timestamp: {v}"
    );
}

/// `v` without the members AWS recorded masked or moto does not send (SSE is AWS's default
/// encryption, which moto does not apply); `date` values checked for their form.
fn unmasked(mut v: Value) -> Value {
    if let Some(m) = v.as_object_mut() {
        if let Some(t) = m.remove("LastModified") {
            assert_iso(&t);
        }
        m.remove("ServerSideEncryption");
    }
    v
}

/// s3_put_object_dict/list/str: putObject sends `Body` as its JSON text, a string with its
/// quotes (the ETags and CRC32s are AWS's, recorded), and getObject returns that text.
#[tokio::test]
async fn put_object_sends_json_text_as_aws() {
    let Some((m, s3, bucket)) = setup("put_object_sends_json_text_as_aws").await else {
        return;
    };
    let put = put_object::Workflow::from_services(m.aws.clone());
    let get = get_object::Workflow::from_services(m.aws.clone());
    let cases = [
        (
            json!({"Dict": "Value"}),
            "\"49e31cee5aec8faf3345893addb14346\"",
            "hnEfWw==",
            r#"{"Dict":"Value"}"#,
        ),
        (
            json!(["List", "Data"]),
            "\"6b23860357f6e63a0272b7f1143a663a\"",
            "1F2MPA==",
            r#"["List","Data"]"#,
        ),
        (
            json!("text data"),
            "\"2b5df3712557f503a9977a8ea893b2c9\"",
            "KUmHvQ==",
            r#""text data""#,
        ),
    ];
    for (i, (body, etag, crc, text)) in cases.into_iter().enumerate() {
        let key = format!("file-key-{i}");
        let out = ok(put
            .run(json!({"Bucket": bucket, "Key": key, "Body": body}))
            .await);
        // Recorded: {ChecksumCRC32, ChecksumType, ETag, ServerSideEncryption}; moto sends no
        // ChecksumType.
        let mut out = unmasked(out);
        if let Some(t) = out.as_object_mut().and_then(|o| o.remove("ChecksumType")) {
            assert_eq!(t, json!("FULL_OBJECT"));
        }
        assert_eq!(out, json!({"ChecksumCRC32": crc, "ETag": etag}), "{body}");
        assert_eq!(stored(&s3, &bucket, &key).await, text.as_bytes());
        let got = ok(get.run(json!({"Bucket": bucket, "Key": key})).await);
        assert_eq!(got["Body"], json!(text));
        assert_eq!(got["ETag"], json!(etag));
    }
}

/// s3_get_object_str/empty_str/binary/bytearray: the recorded result, member for member;
/// `Body` is the object's text; bytes that are not UTF-8 become U+FFFD.
#[tokio::test]
async fn get_object_returns_body_as_text_as_aws() {
    let Some((m, s3, bucket)) = setup("get_object_returns_body_as_text_as_aws").await else {
        return;
    };
    let get = get_object::Workflow::from_services(m.aws.clone());
    // (content, recorded ContentLength, recorded ETag)
    let cases: [(&str, u64, &str); 4] = [
        ("text data", 9, "\"332eec544317a6d340b8e77da7fe54ad\""),
        ("", 0, "\"d41d8cd98f00b204e9800998ecf8427e\""),
        ("binary data", 11, "\"e1a49b59e0c42e4fd3735ad644f25d57\""),
        (
            "byte array data",
            15,
            "\"383fd42bdf94a2ab38cbeb1d8eb7e53f\"",
        ),
    ];
    for (content, length, etag) in cases {
        put_raw(&s3, &bucket, "file_key", content.as_bytes()).await;
        let out = ok(get.run(json!({"Bucket": bucket, "Key": "file_key"})).await);
        assert_eq!(
            unmasked(out.clone()),
            json!({
                "AcceptRanges": "bytes",
                "ContentLength": length,
                "ContentType": "binary/octet-stream",
                "ETag": etag,
                "Metadata": {},
                "Body": content
            })
        );
        // The recorded order: members by name, `Body` last (moto sends no ServerSideEncryption).
        let keys: Vec<&str> = out
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "AcceptRanges",
                "ContentLength",
                "ContentType",
                "ETag",
                "LastModified",
                "Metadata",
                "Body"
            ]
        );
    }
    put_raw(&s3, &bucket, "invalid", &[b'a', 0xff, 0xfe, b'b']).await;
    let out = ok(get.run(json!({"Bucket": bucket, "Key": "invalid"})).await);
    assert_eq!(out["Body"], json!("a\u{fffd}\u{fffd}b"));
    assert_eq!(out["ContentLength"], json!(4));
}

/// getObject with the members beyond Bucket and Key, and user metadata in `Metadata`.
#[tokio::test]
async fn get_object_range_and_metadata() {
    let Some((m, s3, bucket)) = setup("get_object_range_and_metadata").await else {
        return;
    };
    let put = put_any::Workflow::from_services(m.aws.clone());
    ok(put
        .run(json!({
            "Bucket": bucket, "Key": "doc.json", "Body": {"a": 1},
            "ContentType": "application/json", "Metadata": {"owner": "me"},
            "CacheControl": "no-cache"
        }))
        .await);
    assert_eq!(stored(&s3, &bucket, "doc.json").await, br#"{"a":1}"#);
    let get = get_any::Workflow::from_services(m.aws.clone());
    let out = ok(get
        .run(json!({"Bucket": bucket, "Key": "doc.json", "Range": "bytes=1-4"}))
        .await);
    assert_eq!(out["Body"], json!("\"a\":"));
    assert_eq!(out["ContentLength"], json!(4));
    assert_eq!(out["ContentRange"], json!("bytes 1-4/7"));
    assert_eq!(out["ContentType"], json!("application/json"));
    assert_eq!(out["CacheControl"], json!("no-cache"));
    assert_eq!(out["Metadata"], json!({"owner": "me"}));
}

/// headObject: getObject's members without `Body`.
#[tokio::test]
async fn head_object_returns_metadata() {
    let Some((m, s3, bucket)) = setup("head_object_returns_metadata").await else {
        return;
    };
    put_raw(&s3, &bucket, "file_key", b"text data").await;
    let head = head_any::Workflow::from_services(m.aws.clone());
    let out = ok(head.run(json!({"Bucket": bucket, "Key": "file_key"})).await);
    assert_eq!(
        unmasked(out),
        json!({
            "AcceptRanges": "bytes",
            "ContentLength": 9,
            "ContentType": "binary/octet-stream",
            "ETag": "\"332eec544317a6d340b8e77da7fe54ad\"",
            "Metadata": {}
        })
    );
}

/// listObjectsV2 and listObjects with `Prefix` (and `Delimiter`): the objects under it with
/// their recorded members (ItemReader corpus: Key, LastModified, ETag, Size, StorageClass).
#[tokio::test]
async fn list_objects_with_prefix() {
    let Some((m, s3, bucket)) = setup("list_objects_with_prefix").await else {
        return;
    };
    for key in [
        "in/file_0.txt",
        "in/file_1.txt",
        "in/sub/deep.txt",
        "out/other.txt",
    ] {
        put_raw(&s3, &bucket, key, b"hello world!").await;
    }
    let v2 = list_v2::Workflow::from_services(m.aws.clone());
    let out = ok(v2
        .run(json!({"Bucket": bucket, "Prefix": "in/", "Delimiter": "/", "MaxKeys": 10}))
        .await);
    let contents = out["Contents"].as_array().cloned().unwrap_or_default();
    assert_eq!(contents.len(), 2, "{out}");
    for (item, key) in contents.iter().zip(["in/file_0.txt", "in/file_1.txt"]) {
        assert_eq!(
            unmasked(item.clone()),
            json!({
                // The SDK that put the objects sent a CRC32.
                "ChecksumAlgorithm": ["CRC32"],
                "ETag": "\"fc3ff98e8c6a0d3087d515c0473f8677\"",
                "Key": key, "Size": 12, "StorageClass": "STANDARD"
            })
        );
    }
    assert_eq!(out["CommonPrefixes"], json!([{"Prefix": "in/sub/"}]));
    assert_eq!(out["Name"], json!(bucket));
    assert_eq!(out["Prefix"], json!("in/"));
    assert_eq!(out["Delimiter"], json!("/"));
    assert_eq!(out["MaxKeys"], json!(10));
    assert_eq!(out["KeyCount"], json!(3));
    assert_eq!(out["IsTruncated"], json!(false));

    // Paging: one key per page, the token taken from the previous page.
    let first = ok(v2
        .run(json!({"Bucket": bucket, "Prefix": "in/", "MaxKeys": 1}))
        .await);
    assert_eq!(first["IsTruncated"], json!(true));
    let token = first["NextContinuationToken"].clone();
    assert!(token.is_string(), "{first}");
    let second = ok(v2
        .run(json!({"Bucket": bucket, "Prefix": "in/", "MaxKeys": 1, "ContinuationToken": token}))
        .await);
    assert_eq!(second["Contents"][0]["Key"], json!("in/file_1.txt"));

    let v1 = list_v1::Workflow::from_services(m.aws.clone());
    let out = ok(v1.run(json!({"Bucket": bucket, "Prefix": "in/"})).await);
    let keys: Vec<Value> = out["Contents"]
        .as_array()
        .map(|a| a.iter().map(|o| o["Key"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            json!("in/file_0.txt"),
            json!("in/file_1.txt"),
            json!("in/sub/deep.txt")
        ]
    );
    assert_eq!(out["IsTruncated"], json!(false));
    assert_eq!(out["Prefix"], json!("in/"));
    assert_eq!(out["Name"], json!(bucket));
    assert!(out.get("CommonPrefixes").is_none(), "{out}");

    // An empty listing has no `Contents` (S3 sends no element).
    let none = ok(v2
        .run(json!({"Bucket": bucket, "Prefix": "nothing/"}))
        .await);
    assert!(none.get("Contents").is_none(), "{none}");
    assert_eq!(none["KeyCount"], json!(0));
}

/// copyObject, headObject of the copy, deleteObject, and the deleted key's
/// `S3.NoSuchKeyException` caught by a Catch.
#[tokio::test]
async fn copy_then_delete_object() {
    let Some((m, s3, bucket)) = setup("copy_then_delete_object").await else {
        return;
    };
    put_raw(&s3, &bucket, "original", b"text data").await;
    let wf = copy_delete::Workflow::from_services(m.aws.clone());
    let out = ok(wf
        .run(json!({"Bucket": bucket, "Key": "original", "Copy": "copy"}))
        .await);
    let result = &out["Copied"]["CopyObjectResult"];
    assert_eq!(
        result["ETag"],
        json!("\"332eec544317a6d340b8e77da7fe54ad\"")
    );
    assert_iso(&result["LastModified"]);
    assert_eq!(out["CopyHead"]["ContentType"], json!("application/json"));
    assert_eq!(out["CopyHead"]["Metadata"], json!({"origin": "copy"}));
    assert_eq!(out["CopyHead"]["ContentLength"], json!(9));
    assert!(out["Deleted"].is_object(), "{out}");
    assert_eq!(out["Missing"]["Error"], json!("S3.NoSuchKeyException"));
    assert_cause(
        out["Missing"]["Cause"].as_str().unwrap_or_default(),
        "The specified key does not exist.",
        404,
    );
    assert!(out.get("Unexpected").is_none());
    assert_eq!(stored(&s3, &bucket, "copy").await, b"text data");
}

/// tasks/error_handling/no_such_bucket: the recorded error name and cause, caught.
#[tokio::test]
async fn missing_bucket_is_no_such_bucket_as_aws() {
    let Some(m) = common::moto("missing_bucket_is_no_such_bucket_as_aws", "us-east-1").await else {
        return;
    };
    let bucket = common::unique("asl-s3-missing");
    let wf = no_such_bucket::Workflow::from_services(m.aws.clone());
    let out = ok(wf.run(json!({"Bucket": bucket})).await);
    assert_eq!(out["Bucket"], json!(bucket));
    let caught = &out["TaskFailedError"];
    assert_eq!(caught["Error"], json!("S3.NoSuchBucketException"));
    assert_cause(
        caught["Cause"].as_str().unwrap_or_default(),
        "The specified bucket does not exist",
        404,
    );
}

/// getObject and headObject of a missing key: `S3.NoSuchKeyException`, also for the HEAD
/// request whose 404 has no body (as the Java SDK Step Functions uses translates it).
#[tokio::test]
async fn missing_key_is_no_such_key() {
    let Some((m, _s3, bucket)) = setup("missing_key_is_no_such_key").await else {
        return;
    };
    let input = json!({"Bucket": bucket, "Key": "nope"});
    for (error, cause) in [
        failed(
            get_object::Workflow::from_services(m.aws.clone())
                .run(input.clone())
                .await,
        ),
        failed(
            head_any::Workflow::from_services(m.aws.clone())
                .run(input.clone())
                .await,
        ),
    ] {
        assert_eq!(error, "S3.NoSuchKeyException");
        assert_cause(&cause, "The specified key does not exist.", 404);
    }
}

/// A member S3 does not have fails the state (`States.Runtime`), with no call made; so do a
/// member of the wrong type and a missing required one.
#[tokio::test]
async fn unknown_or_mistyped_parameter_is_rejected() {
    let Some((m, s3, bucket)) = setup("unknown_or_mistyped_parameter_is_rejected").await else {
        return;
    };
    let put = put_any::Workflow::from_services(m.aws.clone());
    let (error, cause) = failed(
        put.run(json!({"Bucket": bucket, "Key": "k", "Body": "x", "Colour": "red"}))
            .await,
    );
    assert_eq!(error, "States.Runtime");
    assert!(
        cause.contains("'Colour'") && cause.contains("s3:putObject"),
        "{cause}"
    );
    let listed = s3.list_objects_v2().bucket(&bucket).send().await;
    assert_eq!(listed.map(|l| l.key_count()).ok().flatten(), Some(0));

    let list = list_v2::Workflow::from_services(m.aws.clone());
    let (error, cause) = failed(list.run(json!({"Bucket": bucket, "MaxKeys": "ten"})).await);
    assert_eq!(error, "States.Runtime");
    assert!(cause.contains("'MaxKeys'"), "{cause}");

    let get = get_any::Workflow::from_services(m.aws.clone());
    let (error, cause) = failed(get.run(json!({"Bucket": bucket})).await);
    assert_eq!(error, "States.Runtime");
    assert!(
        cause.ends_with("The field 'Key' is required by s3:getObject"),
        "{cause}"
    );
}

/// An object above the 256 KiB payload quota: `States.DataLimitExceeded`, as the state's
/// result could not be larger.
#[tokio::test]
async fn get_object_above_the_quota() {
    let Some((m, s3, bucket)) = setup("get_object_above_the_quota").await else {
        return;
    };
    put_raw(&s3, &bucket, "big", &vec![b'x'; 300 * 1024]).await;
    let get = get_object::Workflow::from_services(m.aws.clone());
    let (error, cause) = failed(get.run(json!({"Bucket": bucket, "Key": "big"})).await);
    assert_eq!(error, "States.DataLimitExceeded");
    assert!(cause.contains("'S3GetObject'"), "{cause}");
}
