//! The two EC2 calls `wfc deploy` makes (DescribeTransitGatewayPeeringAttachments and
//! AcceptTransitGatewayPeeringAttachment), signed here with `aws-sigv4` and sent with the SDK's
//! own HTTP connector instead of linking `aws-sdk-ec2`: that crate alone is about 270 s of CPU in
//! a cold debug build on this project's 2-core machine (its dependencies already built; 4 min 41 s
//! wall) and 790 MiB of target/, against 16-18 s each for aws-sdk-sfn and aws-sdk-eventbridge,
//! for two calls of the Query API.

use super::aws_error::{ApiError, Call, Kind};
use super::signed::{encode, retried, Signer};
use wfc_infra::deploy::Attachment;

/// The EC2 Query API version the calls are written against.
const API_VERSION: &str = "2016-11-15";

pub struct Ec2 {
    url: String,
    signer: Signer,
}

impl Ec2 {
    /// EC2 in `region` at `url`, with `config`'s credentials.
    pub fn new(config: &aws_config::SdkConfig, region: &str, url: &str) -> Ec2 {
        Ec2 {
            url: url.to_string(),
            signer: Signer::new(config, "ec2", region),
        }
    }

    fn call(&self, action: &str, resource: &str) -> Call {
        Call::new(&format!("ec2:{action}"), resource, &self.url)
    }

    /// The peering attachments this region sees (requested here or from elsewhere), every page.
    pub async fn peering_attachments(&self) -> Result<Vec<Attachment>, ApiError> {
        let action = "DescribeTransitGatewayPeeringAttachments";
        let call = self.call(
            action,
            &format!(
                "the transit gateway attachments of {}",
                self.signer.region()
            ),
        );
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut params = vec![("MaxResults".to_string(), "1000".to_string())];
            if let Some(t) = token.take() {
                params.push(("NextToken".into(), t));
            }
            let answer = self.send(&call, action, &params).await?;
            let list = answer.child("transitGatewayPeeringAttachments");
            for item in list.into_iter().flat_map(|l| l.children_named("item")) {
                let info = |side: &str, field: &str| {
                    item.child(side)
                        .and_then(|s| s.child(field))
                        .map(|e| e.text.clone())
                        .unwrap_or_default()
                };
                out.push(Attachment {
                    id: item.text_of("transitGatewayAttachmentId"),
                    state: item.text_of("state"),
                    requester_region: info("requesterTgwInfo", "region"),
                    requester_owner: info("requesterTgwInfo", "ownerId"),
                    accepter_region: info("accepterTgwInfo", "region"),
                });
            }
            match answer.child("nextToken").map(|t| t.text.clone()) {
                Some(next) if !next.is_empty() => token = Some(next),
                _ => return Ok(out),
            }
        }
    }

    /// Accepts the attachment; its state after (`pendingAcceptance` → `pending` → `available`).
    pub async fn accept_peering(&self, id: &str) -> Result<String, ApiError> {
        let action = "AcceptTransitGatewayPeeringAttachment";
        let call = self.call(action, id);
        let params = vec![("TransitGatewayAttachmentId".to_string(), id.to_string())];
        let answer = self.send(&call, action, &params).await?;
        Ok(answer
            .child("transitGatewayPeeringAttachment")
            .map(|a| a.text_of("state"))
            .unwrap_or_default())
    }

    /// One Query API call, retried like the SDK's standard mode.
    async fn send(
        &self,
        call: &Call,
        action: &str,
        params: &[(String, String)],
    ) -> Result<Element, ApiError> {
        let mut body = format!("Action={action}&Version={API_VERSION}");
        for (key, value) in params {
            body.push_str(&format!("&{}={}", encode(key), encode(value)));
        }
        retried(|| self.send_once(call, body.clone())).await
    }

    async fn send_once(&self, call: &Call, body: String) -> Result<Element, ApiError> {
        let fail = |kind: Kind, code: &str, message: String, detail: String| {
            ApiError::from_parts(call, kind, code.to_string(), message, detail)
        };
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let answer = self
            .signer
            .send(call, "POST", &self.url, Some(content_type), body)
            .await?;
        let (status, text) = (answer.status, answer.text);
        let Some(root) = parse(&text) else {
            return Err(fail(
                Kind::Other,
                "",
                format!("HTTP {status}, not an EC2 answer: {}", first_chars(&text)),
                text.clone(),
            ));
        };
        if (200..300).contains(&status) {
            return Ok(root);
        }
        // <Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors>…
        let error = root
            .child("Errors")
            .and_then(|e| e.child("Error"))
            .or_else(|| root.child("Error"));
        let code = error.map(|e| e.text_of("Code")).unwrap_or_default();
        let message = error.map(|e| e.text_of("Message")).unwrap_or_default();
        let kind = match ApiError::kind_of(&code) {
            Kind::Service if status >= 500 => Kind::Other,
            kind => kind,
        };
        // "HTTP 5xx" also marks what is worth retrying.
        let message = if code.is_empty() || status >= 500 {
            format!("HTTP {status} {code} {message}").trim().to_string()
        } else {
            message
        };
        Err(fail(kind, &code, message, text))
    }
}

fn first_chars(text: &str) -> String {
    text.chars().take(120).collect()
}

/// An XML element: enough of XML for EC2's answers (no attributes kept, no namespaces).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the child `name`, or "".
    pub fn text_of(&self, name: &str) -> String {
        self.child(name).map(|c| c.text.clone()).unwrap_or_default()
    }
}

/// The root element of `xml`, or `None` when it is not well formed.
pub fn parse(xml: &str) -> Option<Element> {
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        if let Some(top) = stack.last_mut() {
            top.text.push_str(&unescape(text));
        }
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>')?;
            let element = stack.pop()?;
            if element.name != after[..end].trim() {
                return None;
            }
            stack.last_mut()?.children.push(trimmed(element));
            rest = &after[end + 1..];
        } else {
            let end = rest.find('>')?;
            let tag = &rest[1..end];
            let empty = tag.ends_with('/');
            let name = tag
                .trim_end_matches('/')
                .split_whitespace()
                .next()?
                .to_string();
            let element = Element {
                name,
                ..Element::default()
            };
            if empty {
                stack.last_mut()?.children.push(element);
            } else {
                stack.push(element);
            }
            rest = &rest[end + 1..];
        }
    }
    if stack.len() != 1 {
        return None;
    }
    stack.pop()?.children.into_iter().next()
}

fn trimmed(mut element: Element) -> Element {
    if !element.children.is_empty() {
        element.text.clear();
    }
    element
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ec2_answer_is_read() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeTransitGatewayPeeringAttachmentsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>1</requestId>
  <transitGatewayPeeringAttachments>
    <item>
      <transitGatewayAttachmentId>tgw-attach-0abc</transitGatewayAttachmentId>
      <requesterTgwInfo><transitGatewayId>tgw-1</transitGatewayId><ownerId>123456789012</ownerId><region>us-east-1</region></requesterTgwInfo>
      <accepterTgwInfo><ownerId>123456789012</ownerId><region>us-west-2</region></accepterTgwInfo>
      <state>pendingAcceptance</state>
      <tagSet><item><key>Name</key><value>a &amp; b</value></item></tagSet>
      <options/>
    </item>
  </transitGatewayPeeringAttachments>
</DescribeTransitGatewayPeeringAttachmentsResponse>"#;
        let root = parse(xml).unwrap();
        let list = root.child("transitGatewayPeeringAttachments").unwrap();
        let item = list.children_named("item").next().unwrap();
        assert_eq!(
            item.text_of("transitGatewayAttachmentId"),
            "tgw-attach-0abc"
        );
        assert_eq!(item.text_of("state"), "pendingAcceptance");
        assert_eq!(
            item.child("requesterTgwInfo").unwrap().text_of("region"),
            "us-east-1"
        );
        let tag = item.child("tagSet").unwrap().child("item").unwrap();
        assert_eq!(tag.text_of("value"), "a & b");
        assert!(parse("<a><b></a>").is_none());
    }

    #[test]
    fn an_ec2_error_is_read() {
        let xml = "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized</Message></Error></Errors><RequestID>x</RequestID></Response>";
        let root = parse(xml).unwrap();
        let error = root.child("Errors").unwrap().child("Error").unwrap();
        assert_eq!(error.text_of("Code"), "UnauthorizedOperation");
    }

    #[test]
    fn form_values_are_encoded() {
        assert_eq!(encode("tgw-attach-0a"), "tgw-attach-0a");
        assert_eq!(encode("a b/c=d"), "a%20b%2Fc%3Dd");
    }
}
