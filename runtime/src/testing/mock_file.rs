//! Mock test cases in Step Functions Local's `MockConfigFile.json` format.
