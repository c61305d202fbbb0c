//! The Lambda bootstrap of every activity; the function's handler setting picks which one.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    wfc_lambda::serve().await
}
