//! The parts of a Map state: its processor and, for distributed Maps, reader, batcher and writer.
//! Enumerations AWS may extend (input types, delimiters…) are kept as strings and checked by name.

use super::{QueryLanguage, States};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `ItemProcessor` (or the deprecated `Iterator`): the states run for each item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemProcessor {
    #[serde(rename = "Comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(
        rename = "QueryLanguage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub query_language: Option<QueryLanguage>,
    #[serde(
        rename = "ProcessorConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub processor_config: Option<ProcessorConfig>,
    #[serde(rename = "StartAt")]
    pub start_at: String,
    #[serde(rename = "States")]
    pub states: States,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessorConfig {
    #[serde(rename = "Mode", default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ProcessorMode>,
    /// `STANDARD` or `EXPRESS`, distributed Maps only.
    #[serde(
        rename = "ExecutionType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub execution_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessorMode {
    #[serde(rename = "INLINE")]
    Inline,
    #[serde(rename = "DISTRIBUTED")]
    Distributed,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemReader {
    #[serde(rename = "Resource")]
    pub resource: String,
    #[serde(
        rename = "Parameters",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parameters: Option<Value>,
    #[serde(rename = "Arguments", default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    #[serde(
        rename = "ReaderConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reader_config: Option<ReaderConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReaderConfig {
    #[serde(rename = "InputType", default, skip_serializing_if = "Option::is_none")]
    pub input_type: Option<String>,
    #[serde(
        rename = "CSVHeaderLocation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub csv_header_location: Option<String>,
    #[serde(
        rename = "CSVHeaders",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub csv_headers: Option<Vec<String>>,
    #[serde(
        rename = "CSVDelimiter",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub csv_delimiter: Option<String>,
    #[serde(rename = "MaxItems", default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<Value>,
    #[serde(
        rename = "MaxItemsPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_items_path: Option<String>,
    #[serde(
        rename = "ItemsPointer",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub items_pointer: Option<String>,
    #[serde(
        rename = "Transformation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transformation: Option<String>,
    #[serde(
        rename = "ManifestType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub manifest_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemBatcher {
    #[serde(
        rename = "MaxItemsPerBatch",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_items_per_batch: Option<Value>,
    #[serde(
        rename = "MaxItemsPerBatchPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_items_per_batch_path: Option<String>,
    #[serde(
        rename = "MaxInputBytesPerBatch",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_input_bytes_per_batch: Option<Value>,
    #[serde(
        rename = "MaxInputBytesPerBatchPath",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_input_bytes_per_batch_path: Option<String>,
    #[serde(
        rename = "BatchInput",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub batch_input: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultWriter {
    #[serde(rename = "Resource", default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(
        rename = "Parameters",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub parameters: Option<Value>,
    #[serde(rename = "Arguments", default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    #[serde(
        rename = "WriterConfig",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub writer_config: Option<WriterConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriterConfig {
    #[serde(
        rename = "OutputType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub output_type: Option<String>,
    #[serde(
        rename = "Transformation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transformation: Option<String>,
}
