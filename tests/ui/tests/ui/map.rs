// VAL-13, VAL-19: ItemsPath cannot be null; ItemProcessor and Iterator exclude each other.
asl_runtime::asl!(mod broken {
    "StartAt": "M",
    "States": {
        "M": { "Type": "Map", "ItemsPath": null,
               "ItemProcessor": { "StartAt": "I", "States": { "I": { "Type": "Succeed" } } },
               "Iterator": { "StartAt": "J", "States": { "J": { "Type": "Succeed" } } },
               "End": true }
    }
});

fn main() {}
