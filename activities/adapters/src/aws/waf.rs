//! `WriteGate` on AWS WAF (wafv2, scope `REGIONAL`: the web ACL on the region's ALB).
//!
//! `UpdateWebACL` replaces every mutable setting of the web ACL with what the call carries, so a
//! write sends back everything `GetWebACL` returned (rules, default action, visibility, response
//! bodies, CAPTCHA/challenge, token domains, association and data protection settings), with
//! only the gate rule and its response body changed, under the lock token of that read.
//!
//! The rule: `AND(NOT(method is GET, HEAD or OPTIONS), OR(path prefixes…))`, action Block with a
//! custom response (503, `Retry-After`; WAF adds no prefix to response header names, unlike
//! inserted request headers). Paths are matched lower-cased; a query-string entry is matched
//! URL-decoded and lower-cased, anywhere in the query string (`a=1&wc-ajax=checkout` too).

use super::{optional, AwsFailure};
use async_trait::async_trait;
use aws_sdk_wafv2::error::BuildError;
use aws_sdk_wafv2::primitives::Blob;
use aws_sdk_wafv2::types::{
    AndStatement, BlockAction, ByteMatchStatement, CustomHttpHeader, CustomResponse,
    CustomResponseBody, FieldToMatch, Method, NotStatement, OrStatement, PositionalConstraint,
    QueryString, ResponseContentType, Rule, RuleAction, Scope, Statement, TextTransformation,
    TextTransformationType, UriPath, VisibilityConfig,
};
use std::collections::HashMap;
use wfc_activities::error::{ActivityError, Result};
use wfc_activities::ports::write_gate::{
    split_path, AclRule, GateRule, WebAcl, WebAclRef, WriteGate, Written,
};

pub struct AwsWriteGate {
    waf: aws_sdk_wafv2::Client,
}

impl AwsWriteGate {
    pub fn new(waf: aws_sdk_wafv2::Client) -> Self {
        AwsWriteGate { waf }
    }

    /// The web ACL and its lock token; `None`: no such web ACL.
    async fn get(&self, acl: &WebAclRef) -> Result<Option<(aws_sdk_wafv2::types::WebAcl, String)>> {
        let out = self
            .waf
            .get_web_acl()
            .scope(Scope::Regional)
            .name(&acl.name)
            .id(&acl.id)
            .send()
            .await;
        let out = optional(out, &["WAFNonexistentItemException"], "wafv2", "GetWebACL")?;
        Ok(out.and_then(|o| {
            let token = o.lock_token()?.to_string();
            Some((o.web_acl?, token))
        }))
    }

    /// Reads the web ACL, edits its rules and response bodies, and writes it all back under
    /// `lock_token` (`Stale` when the read already shows a newer one).
    async fn edit(
        &self,
        acl: &WebAclRef,
        lock_token: &str,
        edit: impl FnOnce(&mut Vec<Rule>, &mut HashMap<String, CustomResponseBody>) -> Result<()>,
    ) -> Result<Option<Written>> {
        let Some((current, token)) = self.get(acl).await? else {
            return Ok(None);
        };
        if token != lock_token {
            return Ok(Some(Written::Stale));
        }
        let mut rules = current.rules().to_vec();
        let mut bodies = current
            .custom_response_bodies()
            .cloned()
            .unwrap_or_default();
        edit(&mut rules, &mut bodies)?;
        rules.sort_by_key(|r| r.priority());
        let out = self
            .waf
            .update_web_acl()
            .scope(Scope::Regional)
            .name(&acl.name)
            .id(&acl.id)
            .lock_token(lock_token)
            .set_default_action(current.default_action().cloned())
            .set_description(
                current
                    .description()
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
            )
            .set_rules(Some(rules))
            .set_visibility_config(current.visibility_config().cloned())
            .set_data_protection_config(current.data_protection_config().cloned())
            .set_custom_response_bodies((!bodies.is_empty()).then_some(bodies))
            .set_captcha_config(current.captcha_config().cloned())
            .set_challenge_config(current.challenge_config().cloned())
            .set_token_domains(
                (!current.token_domains().is_empty()).then(|| current.token_domains().to_vec()),
            )
            .set_association_config(current.association_config().cloned())
            .set_on_source_d_do_s_protection_config(
                current.on_source_d_do_s_protection_config().cloned(),
            )
            .set_application_config(current.application_config().cloned())
            .set_monetization_config(current.monetization_config().cloned())
            .send()
            .await;
        match out {
            Ok(_) => Ok(Some(Written::Done)),
            Err(e) => {
                let failure = AwsFailure::new(e);
                match failure.code() {
                    "WAFOptimisticLockException" => Ok(Some(Written::Stale)),
                    "WAFNonexistentItemException" => Ok(None),
                    _ => Err(failure.into_error("wafv2", "UpdateWebACL")),
                }
            }
        }
    }
}

#[async_trait]
impl WriteGate for AwsWriteGate {
    async fn web_acl(&self, acl: &WebAclRef, gate: &GateRule) -> Result<Option<WebAcl>> {
        let Some((current, lock_token)) = self.get(acl).await? else {
            return Ok(None);
        };
        let (wanted, body) = (gate_rule(gate)?, gate_body(gate)?);
        // Compared on what it does (not field by field, so fields WAF fills in do not count).
        let rule_current = current.rules().iter().any(|r| {
            r.name() == gate.rule_name
                && r.priority() == 0
                && r.action() == wanted.action()
                && r.statement() == wanted.statement()
        });
        let body_current = current
            .custom_response_bodies()
            .and_then(|b| b.get(&gate.rule_name))
            == Some(&body);
        Ok(Some(WebAcl {
            lock_token,
            rules: current
                .rules()
                .iter()
                .map(|r| AclRule {
                    name: r.name().to_string(),
                    priority: r.priority(),
                })
                .collect(),
            gate_current: rule_current && body_current,
        }))
    }

    async fn put_gate(
        &self,
        acl: &WebAclRef,
        lock_token: &str,
        gate: &GateRule,
        shift: i32,
    ) -> Result<Option<Written>> {
        let (rule, body) = (gate_rule(gate)?, gate_body(gate)?);
        self.edit(acl, lock_token, |rules, bodies| {
            rules.retain(|r| r.name() != gate.rule_name);
            for r in rules.iter_mut() {
                r.priority += shift;
            }
            rules.push(rule);
            bodies.insert(gate.rule_name.clone(), body);
            Ok(())
        })
        .await
    }

    async fn remove_gate(
        &self,
        acl: &WebAclRef,
        lock_token: &str,
        rule_name: &str,
    ) -> Result<Option<Written>> {
        self.edit(acl, lock_token, |rules, bodies| {
            rules.retain(|r| r.name() != rule_name);
            bodies.remove(rule_name);
            Ok(())
        })
        .await
    }
}

fn built<T>(result: std::result::Result<T, BuildError>) -> Result<T> {
    result.map_err(|e| ActivityError::AwsError {
        service: "wafv2".into(),
        operation: "build the write-gate rule".into(),
        code: "BuildError".into(),
        message: e.to_string(),
    })
}

fn transformations(types: &[TextTransformationType]) -> Result<Vec<TextTransformation>> {
    types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            built(
                TextTransformation::builder()
                    .priority(i as i32)
                    .r#type(t.clone())
                    .build(),
            )
        })
        .collect()
}

fn byte_match(
    field: FieldToMatch,
    text: &str,
    constraint: PositionalConstraint,
    types: &[TextTransformationType],
) -> Result<Statement> {
    let statement = built(
        ByteMatchStatement::builder()
            .search_string(Blob::new(text.as_bytes()))
            .field_to_match(field)
            .set_text_transformations(Some(transformations(types)?))
            .positional_constraint(constraint)
            .build(),
    )?;
    Ok(Statement::builder().byte_match_statement(statement).build())
}

/// One statement of several: WAF wants at least two in an OR or AND.
fn or(mut statements: Vec<Statement>) -> Result<Statement> {
    if statements.len() == 1 {
        return Ok(statements.remove(0));
    }
    let or = built(
        OrStatement::builder()
            .set_statements(Some(statements))
            .build(),
    )?;
    Ok(Statement::builder().or_statement(or).build())
}

fn and(statements: Vec<Statement>) -> Result<Statement> {
    let and = built(
        AndStatement::builder()
            .set_statements(Some(statements))
            .build(),
    )?;
    Ok(Statement::builder().and_statement(and).build())
}

/// The request is a write: its method is none of GET, HEAD, OPTIONS.
fn is_write() -> Result<Statement> {
    let reads = ["GET", "HEAD", "OPTIONS"]
        .iter()
        .map(|m| {
            byte_match(
                FieldToMatch::builder()
                    .method(Method::builder().build())
                    .build(),
                m,
                PositionalConstraint::Exactly,
                &[TextTransformationType::None],
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let not = NotStatement::builder().statement(or(reads)?).build();
    Ok(Statement::builder().not_statement(not).build())
}

/// The request goes to one of the gated paths (see the module doc for how each entry matches).
fn is_gated_path(paths: &[String]) -> Result<Statement> {
    let uri = || {
        FieldToMatch::builder()
            .uri_path(UriPath::builder().build())
            .build()
    };
    let query = || {
        FieldToMatch::builder()
            .query_string(QueryString::builder().build())
            .build()
    };
    let mut statements = Vec::new();
    for entry in paths {
        let lower = entry.to_lowercase();
        let (path, query_text) = split_path(&lower);
        let on_path = byte_match(
            uri(),
            path,
            PositionalConstraint::StartsWith,
            &[TextTransformationType::Lowercase],
        )?;
        let statement = match query_text {
            None => on_path,
            Some(text) => {
                let on_query = byte_match(
                    query(),
                    text,
                    PositionalConstraint::Contains,
                    &[
                        TextTransformationType::UrlDecode,
                        TextTransformationType::Lowercase,
                    ],
                )?;
                // Every path starts with `/`: no path condition is needed for it.
                if path == "/" {
                    on_query
                } else {
                    and(vec![on_path, on_query])?
                }
            }
        };
        statements.push(statement);
    }
    or(statements)
}

/// The WAF rule for `gate`, at priority 0.
pub(crate) fn gate_rule(gate: &GateRule) -> Result<Rule> {
    let response = built(
        CustomResponse::builder()
            .response_code(503)
            .custom_response_body_key(&gate.rule_name)
            .response_headers(built(
                CustomHttpHeader::builder()
                    .name("Retry-After")
                    .value(gate.retry_after_seconds.to_string())
                    .build(),
            )?)
            .build(),
    )?;
    let action = RuleAction::builder()
        .block(BlockAction::builder().custom_response(response).build())
        .build();
    let visibility = built(
        VisibilityConfig::builder()
            .sampled_requests_enabled(true)
            .cloud_watch_metrics_enabled(true)
            .metric_name(&gate.rule_name)
            .build(),
    )?;
    built(
        Rule::builder()
            .name(&gate.rule_name)
            .priority(0)
            .statement(and(vec![is_write()?, is_gated_path(&gate.paths)?])?)
            .action(action)
            .visibility_config(visibility)
            .build(),
    )
}

/// The short body of the 503 (custom response bodies live on the web ACL, by key).
pub(crate) fn gate_body(gate: &GateRule) -> Result<CustomResponseBody> {
    built(
        CustomResponseBody::builder()
            .content_type(ResponseContentType::TextPlain)
            .content(format!(
                "The shop is moving to another region: checkout, cart and payments are paused. \
                 Please retry in {} seconds.\n",
                gate.retry_after_seconds
            ))
            .build(),
    )
}
