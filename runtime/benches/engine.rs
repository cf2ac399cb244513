//! Engine throughput through generated code (`cargo bench -p asl-runtime --bench engine`):
//! a chain of 100 Pass states, and a Map over 10,000 items with 3 Pass states each.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

asl_runtime::asl!(mod pass_chain_100 {
    "StartAt": "P0",
    "States": {
        "P0": { "Type": "Pass", "Next": "P1" },
        "P1": { "Type": "Pass", "Next": "P2" },
        "P2": { "Type": "Pass", "Next": "P3" },
        "P3": { "Type": "Pass", "Next": "P4" },
        "P4": { "Type": "Pass", "Next": "P5" },
        "P5": { "Type": "Pass", "Next": "P6" },
        "P6": { "Type": "Pass", "Next": "P7" },
        "P7": { "Type": "Pass", "Next": "P8" },
        "P8": { "Type": "Pass", "Next": "P9" },
        "P9": { "Type": "Pass", "Next": "P10" },
        "P10": { "Type": "Pass", "Next": "P11" },
        "P11": { "Type": "Pass", "Next": "P12" },
        "P12": { "Type": "Pass", "Next": "P13" },
        "P13": { "Type": "Pass", "Next": "P14" },
        "P14": { "Type": "Pass", "Next": "P15" },
        "P15": { "Type": "Pass", "Next": "P16" },
        "P16": { "Type": "Pass", "Next": "P17" },
        "P17": { "Type": "Pass", "Next": "P18" },
        "P18": { "Type": "Pass", "Next": "P19" },
        "P19": { "Type": "Pass", "Next": "P20" },
        "P20": { "Type": "Pass", "Next": "P21" },
        "P21": { "Type": "Pass", "Next": "P22" },
        "P22": { "Type": "Pass", "Next": "P23" },
        "P23": { "Type": "Pass", "Next": "P24" },
        "P24": { "Type": "Pass", "Next": "P25" },
        "P25": { "Type": "Pass", "Next": "P26" },
        "P26": { "Type": "Pass", "Next": "P27" },
        "P27": { "Type": "Pass", "Next": "P28" },
        "P28": { "Type": "Pass", "Next": "P29" },
        "P29": { "Type": "Pass", "Next": "P30" },
        "P30": { "Type": "Pass", "Next": "P31" },
        "P31": { "Type": "Pass", "Next": "P32" },
        "P32": { "Type": "Pass", "Next": "P33" },
        "P33": { "Type": "Pass", "Next": "P34" },
        "P34": { "Type": "Pass", "Next": "P35" },
        "P35": { "Type": "Pass", "Next": "P36" },
        "P36": { "Type": "Pass", "Next": "P37" },
        "P37": { "Type": "Pass", "Next": "P38" },
        "P38": { "Type": "Pass", "Next": "P39" },
        "P39": { "Type": "Pass", "Next": "P40" },
        "P40": { "Type": "Pass", "Next": "P41" },
        "P41": { "Type": "Pass", "Next": "P42" },
        "P42": { "Type": "Pass", "Next": "P43" },
        "P43": { "Type": "Pass", "Next": "P44" },
        "P44": { "Type": "Pass", "Next": "P45" },
        "P45": { "Type": "Pass", "Next": "P46" },
        "P46": { "Type": "Pass", "Next": "P47" },
        "P47": { "Type": "Pass", "Next": "P48" },
        "P48": { "Type": "Pass", "Next": "P49" },
        "P49": { "Type": "Pass", "Next": "P50" },
        "P50": { "Type": "Pass", "Next": "P51" },
        "P51": { "Type": "Pass", "Next": "P52" },
        "P52": { "Type": "Pass", "Next": "P53" },
        "P53": { "Type": "Pass", "Next": "P54" },
        "P54": { "Type": "Pass", "Next": "P55" },
        "P55": { "Type": "Pass", "Next": "P56" },
        "P56": { "Type": "Pass", "Next": "P57" },
        "P57": { "Type": "Pass", "Next": "P58" },
        "P58": { "Type": "Pass", "Next": "P59" },
        "P59": { "Type": "Pass", "Next": "P60" },
        "P60": { "Type": "Pass", "Next": "P61" },
        "P61": { "Type": "Pass", "Next": "P62" },
        "P62": { "Type": "Pass", "Next": "P63" },
        "P63": { "Type": "Pass", "Next": "P64" },
        "P64": { "Type": "Pass", "Next": "P65" },
        "P65": { "Type": "Pass", "Next": "P66" },
        "P66": { "Type": "Pass", "Next": "P67" },
        "P67": { "Type": "Pass", "Next": "P68" },
        "P68": { "Type": "Pass", "Next": "P69" },
        "P69": { "Type": "Pass", "Next": "P70" },
        "P70": { "Type": "Pass", "Next": "P71" },
        "P71": { "Type": "Pass", "Next": "P72" },
        "P72": { "Type": "Pass", "Next": "P73" },
        "P73": { "Type": "Pass", "Next": "P74" },
        "P74": { "Type": "Pass", "Next": "P75" },
        "P75": { "Type": "Pass", "Next": "P76" },
        "P76": { "Type": "Pass", "Next": "P77" },
        "P77": { "Type": "Pass", "Next": "P78" },
        "P78": { "Type": "Pass", "Next": "P79" },
        "P79": { "Type": "Pass", "Next": "P80" },
        "P80": { "Type": "Pass", "Next": "P81" },
        "P81": { "Type": "Pass", "Next": "P82" },
        "P82": { "Type": "Pass", "Next": "P83" },
        "P83": { "Type": "Pass", "Next": "P84" },
        "P84": { "Type": "Pass", "Next": "P85" },
        "P85": { "Type": "Pass", "Next": "P86" },
        "P86": { "Type": "Pass", "Next": "P87" },
        "P87": { "Type": "Pass", "Next": "P88" },
        "P88": { "Type": "Pass", "Next": "P89" },
        "P89": { "Type": "Pass", "Next": "P90" },
        "P90": { "Type": "Pass", "Next": "P91" },
        "P91": { "Type": "Pass", "Next": "P92" },
        "P92": { "Type": "Pass", "Next": "P93" },
        "P93": { "Type": "Pass", "Next": "P94" },
        "P94": { "Type": "Pass", "Next": "P95" },
        "P95": { "Type": "Pass", "Next": "P96" },
        "P96": { "Type": "Pass", "Next": "P97" },
        "P97": { "Type": "Pass", "Next": "P98" },
        "P98": { "Type": "Pass", "Next": "P99" },
        "P99": { "Type": "Pass", "End": true }
    }
});

asl_runtime::asl!(mod map_10k {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemSelector": { "index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "label.$": "States.Format('item {}', $$.Map.Item.Index)" },
            "ItemProcessor": {
                "StartAt": "A",
                "States": {
                    "A": { "Type": "Pass", "Next": "B" },
                    "B": { "Type": "Pass", "ResultPath": "$.b", "Next": "C" },
                    "C": { "Type": "Pass", "OutputPath": "$.index", "End": true }
                }
            },
            "End": true
        }
    }
});

struct NoTasks;
impl pass_chain_100::Tasks for NoTasks {}
impl map_10k::Tasks for NoTasks {}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let chain = pass_chain_100::Workflow::new(NoTasks);
    let input = json!({"order": {"id": 1, "items": [1, 2, 3]}});
    c.bench_function("pass_chain_100", |b| {
        b.iter(|| rt.block_on(chain.run(input.clone())).expect("ok"))
    });
    let map = map_10k::Workflow::new(NoTasks);
    let items = serde_json::Value::Array((0..10_000).map(|i| json!({"n": i})).collect());
    let mut group = c.benchmark_group("map");
    group.sample_size(10);
    group.bench_function("map_10k_x3_pass", |b| {
        b.iter(|| rt.block_on(map.run(items.clone())).expect("ok"))
    });
    group.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
