//! An order workflow compiled from `workflows/order_processing.asl.json` by `build.rs`, with
//! handlers for its Task states. Run it with `cargo run -p order-processing`: it prints every
//! state transition of one execution and its output.

use std::sync::atomic::{AtomicU32, Ordering};

use asl_runtime::{TaskContext, TaskError, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;

mod workflow {
    asl_runtime::include_workflow!("order_processing");
}

use workflow::{ChargeCardError, Tasks, Workflow};

/// What "Charge card" receives (its `Parameters`).
#[derive(Debug, Deserialize)]
pub struct ChargeRequest {
    /// The Lambda function.
    #[serde(rename = "FunctionName")]
    pub function_name: String,
    /// The charge.
    #[serde(rename = "Payload")]
    pub payload: Charge,
}

/// The charge itself.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    /// Order id.
    pub order_id: String,
    /// Amount.
    pub amount: f64,
    /// Idempotency key built with `States.Format`.
    pub idempotency_key: String,
}

/// What "Charge card" returns: a Lambda response envelope.
#[derive(Debug, Serialize)]
pub struct ChargeResult {
    /// The function's result.
    #[serde(rename = "Payload")]
    pub payload: Receipt,
}

/// A payment receipt.
#[derive(Debug, Serialize)]
pub struct Receipt {
    /// The receipt.
    pub receipt: String,
}

/// The handlers: a payment service that throttles twice before accepting.
struct Shop {
    charge_attempts: AtomicU32,
}

impl Tasks for Shop {
    async fn validate_order(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        // `Parameters` put the whole state input under `Payload`.
        let order = &input["Payload"]["order"];
        if order["items"].as_array().is_none_or(Vec::is_empty) {
            return Err(TaskError::new("Order.Invalid", "an order needs items"));
        }
        // `lambda:invoke` results are the Invoke response around the function's return value.
        Ok(asl_runtime::lambda::invoke_response(order.clone()))
    }

    async fn charge_card(
        &self,
        input: ChargeRequest,
        ctx: TaskContext,
    ) -> Result<ChargeResult, TaskError> {
        let attempt = self.charge_attempts.fetch_add(1, Ordering::SeqCst);
        println!(
            "  charge {} for order {} ({}), attempt {}",
            input.payload.amount,
            input.payload.order_id,
            input.function_name,
            ctx.retry_count + 1
        );
        if attempt < 2 {
            return Err(ChargeCardError::PaymentThrottled("try again later".into()).into());
        }
        Ok(ChargeResult {
            payload: Receipt {
                receipt: format!("rcpt-{}", input.payload.idempotency_key),
            },
        })
    }

    async fn reserve_item(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let p = &input["Payload"];
        Ok(asl_runtime::lambda::invoke_response(
            json!({ "sku": p["sku"], "reserved": p["quantity"], "line": p["line"] }),
        ))
    }

    async fn ship(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        let id = input["Payload"]["orderId"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        Ok(asl_runtime::lambda::invoke_response(
            json!({ "tracking": format!("TRK-{id}") }),
        ))
    }

    async fn notify_customer(&self, input: Value, _ctx: TaskContext) -> Result<Value, TaskError> {
        println!("  notify: {}", input["Message"]);
        Ok(json!({ "MessageId": "m-1" }))
    }
}

#[tokio::main]
async fn main() {
    let workflow = Workflow::new(Shop {
        charge_attempts: AtomicU32::new(0),
    });
    let input = json!({
        "order": {
            "id": "o-42",
            "total": 99.5,
            "items": [
                { "sku": "book", "quantity": 1 },
                { "sku": "pen", "quantity": 3 }
            ]
        }
    });
    let options = asl_runtime::RunOptions::default().name("order-42");
    // The retries back off (1 s, 2 s) and the Wait state waits 2 s: this takes about 5 s.
    let recorded = workflow.run_recorded(input, options).await;
    for event in &recorded.history {
        match event.state {
            Some(state) => println!("#{:<3} {:<24} {state}", event.id, event.kind),
            None => println!("#{:<3} {}", event.id, event.kind),
        }
    }
    match recorded.result {
        Ok(output) => println!("output: {output}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
