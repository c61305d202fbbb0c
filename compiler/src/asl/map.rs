//! The parts of a Map state: its processor and, for distributed Maps, reader, batcher and writer.
//! Enumerations AWS may extend (input types, delimiters…) are kept as strings and checked by name.

use super::{QueryLanguage, States};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `ItemProcessor` (or the deprecated `Iterator`): the states run for each item.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct ItemProcessor {
    pub comment: Option<String>,
    pub query_language: Option<QueryLanguage>,
    pub processor_config: Option<ProcessorConfig>,
    pub start_at: String,
    pub states: States,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct ProcessorConfig {
    pub mode: Option<ProcessorMode>,
    /// `STANDARD` or `EXPRESS`, distributed Maps only.
    pub execution_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessorMode {
    #[serde(rename = "INLINE")]
    Inline,
    #[serde(rename = "DISTRIBUTED")]
    Distributed,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct ItemReader {
    pub resource: String,
    pub parameters: Option<Value>,
    pub arguments: Option<Value>,
    pub reader_config: Option<ReaderConfig>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct ReaderConfig {
    pub input_type: Option<String>,
    #[serde(rename = "CSVHeaderLocation")]
    pub csv_header_location: Option<String>,
    #[serde(rename = "CSVHeaders")]
    pub csv_headers: Option<Vec<String>>,
    #[serde(rename = "CSVDelimiter")]
    pub csv_delimiter: Option<String>,
    pub max_items: Option<Value>,
    pub max_items_path: Option<String>,
    pub items_pointer: Option<String>,
    pub transformation: Option<String>,
    pub manifest_type: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct ItemBatcher {
    pub max_items_per_batch: Option<Value>,
    pub max_items_per_batch_path: Option<String>,
    pub max_input_bytes_per_batch: Option<Value>,
    pub max_input_bytes_per_batch_path: Option<String>,
    pub batch_input: Option<Value>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct ResultWriter {
    pub resource: Option<String>,
    pub parameters: Option<Value>,
    pub arguments: Option<Value>,
    pub writer_config: Option<WriterConfig>,
}

#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[serde(deny_unknown_fields)]
pub struct WriterConfig {
    pub output_type: Option<String>,
    pub transformation: Option<String>,
}
