// VAR-2, VAR-8: variable names must be identifiers (not `states`), and a Map iteration may not
// assign a variable its enclosing scope assigns.
asl_runtime::asl!(mod broken {
    "QueryLanguage": "JSONata",
    "StartAt": "A",
    "States": {
        "A": { "Type": "Pass", "Assign": { "states": 1, "total": 0 }, "Next": "M" },
        "M": {
            "Type": "Map",
            "Items": "{% [1, 2] %}",
            "ItemProcessor": {
                "StartAt": "Add",
                "States": {
                    "Add": { "Type": "Pass", "Assign": { "total": "{% $total + 1 %}" }, "End": true }
                }
            },
            "End": true
        }
    }
});

fn main() {}
