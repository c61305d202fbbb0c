#[test]
fn example_stack_loads() {
    let text = include_str!("../../examples/woocommerce/stack.toml");
    let stack = wfc_stack::Stack::load(text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(stack.secondary().0, "us-west-2");
    assert_eq!(
        stack.state_machine_arn("failback"),
        "arn:aws:states:us-west-2:123456789012:stateMachine:woo-failback"
    );
}
