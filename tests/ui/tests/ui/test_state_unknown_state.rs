// `Workflow::test_state` names the state by the generated enums: a misspelt state, or a
// state of another scope's enum named as the top level's, does not compile.
asl_runtime::asl!(mod order {
    "StartAt": "Charge",
    "States": {
        "Charge": { "Type": "Pass", "Next": "Ship" },
        "Ship": {
            "Type": "Map",
            "ItemProcessor": { "StartAt": "Pack", "States": { "Pack": { "Type": "Pass", "End": true } } },
            "End": true
        }
    }
});

struct Handlers;

impl order::Tasks for Handlers {}

async fn misspelt() {
    let w = order::Workflow::new(Handlers);
    let request = asl_runtime::testing::TestState::new(asl_runtime::Value::Null);
    let _ = w.test_state(order::State::Chrage, request.clone()).await;
    let _ = w.test_state(order::State::Pack, request).await;
}

fn main() {
    let _ = misspelt();
}
