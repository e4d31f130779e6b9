//! Webhook subscriptions: a URL that receives the change feed's events as
//! they commit, filtered by entity type and kind, each signed with the
//! subscription's secret; and the rules of where Vitrine may send them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use super::event::EventKind;
use super::validate::{Errors, SHORT_MAX};
use super::{meta_and_fields, text_enum, Entity, Meta};

text_enum! {
    /// Whether events are delivered.
    WebhookStatus {
        /// Events are delivered as they commit.
        Active => "active",
        /// Nothing is delivered; events wait in the feed, within its
        /// retention, until the subscription is active again.
        Paused => "paused",
    }
}

/// The entity types a subscription may ask for: the catalogue's, and
/// `customer_view` for the events that say a customer's view changed.
pub const EVENT_ENTITY_TYPES: &[&str] = &[
    "resource",
    "product",
    "component",
    "service",
    "price",
    "offering",
    "consumer_group",
    "customer",
    "agreement",
    "overlay",
    "category",
    CUSTOMER_VIEW,
];

/// The entity type of the events that say a customer's view changed.
pub const CUSTOMER_VIEW: &str = "customer_view";

/// The longest URL.
pub const URL_MAX: usize = 2000;

/// A webhook subscription, without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a30", "url": "https://portal.example.com/hooks/vitrine",
    "description": "Customer portal", "entity_types": ["customer_view"], "kinds": [],
    "format": "vitrine", "event_types": [], "status": "active", "failing_since": null, "paused_reason": null,
    "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T10:00:00Z", "version": 1
}))]
pub struct Webhook {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Where it delivers, what and whether.
    #[serde(flatten)]
    pub fields: WebhookInput,
    /// Since when every attempt has failed; null while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    /// Why Vitrine paused the subscription, when it did.
    pub paused_reason: Option<String>,
}

/// A new subscription, with its secret: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedWebhook {
    /// The subscription.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The key of the `X-Vitrine-Signature` HMAC. Keep it: it is never
    /// shown again.
    pub secret: String,
}

/// The fields of a webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://portal.example.com/hooks/vitrine", "description": "Customer portal",
    "entity_types": ["customer_view"]
}))]
pub struct WebhookInput {
    /// Where events are POSTed: an `http` or `https` URL, at most 2000
    /// characters, to a public address (private, loopback, link-local and
    /// metadata addresses are refused unless `VITRINE_WEBHOOK_ALLOWED_NETWORKS`
    /// permits them). Redirects are not followed.
    #[schema(
        max_length = 2000,
        example = "https://portal.example.com/hooks/vitrine"
    )]
    pub url: String,
    /// What the subscription is for; at most 200 characters.
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// The entity types delivered: `resource`, `product`, `component`,
    /// `service`, `price`, `offering`, `consumer_group`, `customer`,
    /// `agreement`, `overlay`, `category` or `customer_view`. Empty: all of
    /// them.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub entity_types: Vec<String>,
    /// The kinds delivered. Empty: all of them.
    #[serde(default)]
    #[schema(max_items = 4)]
    pub kinds: Vec<EventKind>,
    /// How each event is written: `vitrine`, the event as the change feed
    /// serves it (the default); `tmf620`, a TM Forum TMF620 v4 event
    /// (`ProductOfferingCreateEvent`...) holding the resource as the
    /// TMF620 facade serves it, for the changes of products, offerings and
    /// prices only; or `tmf633`, a TMF633 v4 event
    /// (`ServiceSpecificationCreateEvent`...) for the changes of services.
    #[serde(default = "vitrine_format")]
    #[schema(default = "vitrine")]
    pub format: EventFormat,
    /// For the TMF formats: the TMF event types delivered (of that API's
    /// events). Empty: all of them.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub event_types: Vec<String>,
    /// `paused` stops deliveries; `active` resumes them, from the first
    /// event not yet delivered.
    #[serde(default = "active")]
    pub status: WebhookStatus,
}

fn vitrine_format() -> EventFormat {
    EventFormat::Vitrine
}

fn active() -> WebhookStatus {
    WebhookStatus::Active
}

/// Filters of the subscription list.
#[derive(Debug, Default)]
pub struct WebhookFilter {
    /// In this status.
    pub status: Option<WebhookStatus>,
}

impl WebhookInput {
    /// Whether the subscription asks for events of this type and kind.
    pub fn wants(&self, entity_type: &str, kind: EventKind) -> bool {
        (self.entity_types.is_empty() || self.entity_types.iter().any(|t| t == entity_type))
            && (self.kinds.is_empty() || self.kinds.contains(&kind))
    }

    /// The TMF event type of `event`, when the subscription is of a TMF
    /// format and asks for it.
    pub fn tmf_event_type(&self, event: &super::event::Event) -> Option<String> {
        let event_type = tmf_event_type(self.format, event)?;
        (self.event_types.is_empty() || self.event_types.contains(&event_type))
            .then_some(event_type)
    }
}

text_enum! {
    /// How a subscription's events are written.
    EventFormat {
        /// The change feed's events.
        Vitrine => "vitrine",
        /// TM Forum TMF620 v4 events.
        Tmf620 => "tmf620",
        /// TM Forum TMF633 v4 events.
        Tmf633 => "tmf633",
    }
}

impl EventFormat {
    /// The TMF event types of this format, as its hub listeners are named;
    /// none for Vitrine's own.
    pub fn event_types(self) -> &'static [&'static str] {
        match self {
            EventFormat::Vitrine => &[],
            EventFormat::Tmf620 => TMF620_EVENT_TYPES,
            EventFormat::Tmf633 => TMF633_EVENT_TYPES,
        }
    }

    /// The entity types whose changes this format has events for; none
    /// for Vitrine's own, which has them all.
    pub fn entity_types(self) -> &'static [&'static str] {
        match self {
            EventFormat::Vitrine => &[],
            EventFormat::Tmf620 => &["product", "offering", "price"],
            EventFormat::Tmf633 => &["service"],
        }
    }
}

/// The TMF620 v4 events Vitrine sends.
pub const TMF620_EVENT_TYPES: &[&str] = &[
    "ProductSpecificationCreateEvent",
    "ProductSpecificationDeleteEvent",
    "ProductOfferingCreateEvent",
    "ProductOfferingAttributeValueChangeEvent",
    "ProductOfferingStateChangeEvent",
    "ProductOfferingDeleteEvent",
    "ProductOfferingPriceCreateEvent",
    "ProductOfferingPriceAttributeValueChangeEvent",
    "ProductOfferingPriceStateChangeEvent",
    "ProductOfferingPriceDeleteEvent",
];

/// The TMF633 v4 events Vitrine sends.
pub const TMF633_EVENT_TYPES: &[&str] = &[
    "ServiceSpecificationCreateEvent",
    "ServiceSpecificationChangeEvent",
    "ServiceSpecificationDeleteEvent",
];

/// The TMF event type of a change in `format`.
///
/// TMF620: a creation or a deletion of a product, offering or price; for
/// an offering or a price, a change of its `status` is a state change and
/// any other change an attribute value change (TMF620 v4 has no event for
/// the other changes of a product). TMF633: a creation, change or deletion
/// of a service, as a service specification.
pub fn tmf_event_type(format: EventFormat, event: &super::event::Event) -> Option<String> {
    let resource = match (format, event.entity_type.as_str()) {
        (EventFormat::Tmf620, "product") => "ProductSpecification",
        (EventFormat::Tmf620, "offering") => "ProductOffering",
        (EventFormat::Tmf620, "price") => "ProductOfferingPrice",
        (EventFormat::Tmf633, "service") => "ServiceSpecification",
        _ => return None,
    };
    let what = match event.kind {
        EventKind::Created => "Create",
        EventKind::Deleted => "Delete",
        EventKind::Updated if format == EventFormat::Tmf633 => "Change",
        EventKind::Updated if resource == "ProductSpecification" => return None,
        EventKind::Updated if event.changed_fields.iter().any(|f| f == "status") => "StateChange",
        EventKind::Updated => "AttributeValueChange",
        EventKind::Changed => return None,
    };
    Some(format!("{resource}{what}Event"))
}

impl Entity for Webhook {
    const KIND: &'static str = "webhook";
    type Input = WebhookInput;
    type Scope = ();
    type Filter = WebhookFilter;

    meta_and_fields!();

    fn validate(input: &WebhookInput, errors: &mut Errors) {
        if let Err(message) = Target::parse(&input.url) {
            errors.add("url", message);
        }
        errors.optional_text("description", input.description.as_deref(), SHORT_MAX);
        for (i, entity_type) in input.entity_types.iter().enumerate() {
            if !EVENT_ENTITY_TYPES.contains(&entity_type.as_str()) {
                errors.add(
                    format!("entity_types[{i}]"),
                    format!("must be one of {}", EVENT_ENTITY_TYPES.join(", ")),
                );
            } else if input.entity_types[..i].contains(entity_type) {
                errors.add(format!("entity_types[{i}]"), "is named twice");
            }
        }
        for (i, kind) in input.kinds.iter().enumerate() {
            if input.kinds[..i].contains(kind) {
                errors.add(format!("kinds[{i}]"), "is named twice");
            }
        }
        let known = input.format.event_types();
        if !input.event_types.is_empty() && known.is_empty() {
            errors.add("event_types", "is for the TMF formats only");
        }
        for (i, event_type) in input.event_types.iter().enumerate() {
            if known.is_empty() {
                break;
            }
            if !known.contains(&event_type.as_str()) {
                errors.add(
                    format!("event_types[{i}]"),
                    format!("must be one of {}", known.join(", ")),
                );
            } else if input.event_types[..i].contains(event_type) {
                errors.add(format!("event_types[{i}]"), "is named twice");
            }
        }
    }
}

/// One attempt at delivering an event to a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a31", "event_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a20",
    "attempt": 1, "attempted_at": "2026-11-28T10:00:01Z", "duration_ms": 42,
    "status_code": 200, "error": null, "delivered": true
}))]
pub struct Delivery {
    /// The attempt's id.
    pub id: uuid::Uuid,
    /// The event delivered, as `id` in the body and `X-Vitrine-Event-Id`.
    pub event_id: uuid::Uuid,
    /// 1 for the first attempt at this event, one more at each retry.
    pub attempt: i32,
    /// When the attempt started.
    pub attempted_at: DateTime<Utc>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// The receiver's status code, when it answered.
    pub status_code: Option<i32>,
    /// Why the attempt failed, when it did: the status, a timeout, a refused
    /// address or connection.
    pub error: Option<String>,
    /// Whether the receiver took the event (a 2xx answer).
    pub delivered: bool,
}

/// Where a URL sends: its scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Whether it is `https`.
    pub tls: bool,
    /// The host, as written (brackets removed from an IPv6 address).
    pub host: String,
    /// The port, explicit or the scheme's.
    pub port: u16,
}

impl Target {
    /// The target of `url`, or why it cannot be one.
    pub fn parse(url: &str) -> Result<Target, String> {
        if url.len() > URL_MAX {
            return Err(format!("must be at most {URL_MAX} characters"));
        }
        let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err("must be an absolute `http://` or `https://` URL".to_owned());
        };
        if url.contains('#') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must hold no fragment, space or control character".to_owned());
        }
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err("must not carry a user name or password".to_owned());
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or("has an IPv6 address without its closing `]`")?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_:".contains(c))
        {
            return Err("must name a host".to_owned());
        }
        let port = match port {
            None => {
                if tls {
                    443
                } else {
                    80
                }
            }
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or("has a port that is not a number from 1 to 65535")?,
        };
        Ok(Target {
            tls,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// The host as an IP address, when it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

/// An IP network, `address/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    /// The network `text` (`10.0.0.0/8`, `::1/128`, or one address).
    pub fn parse(text: &str) -> Option<Network> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address.parse().ok()?, Some(prefix.parse().ok()?)),
            None => (text.parse().ok()?, None),
        };
        let bits = match address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Network { address, prefix })
    }

    /// Whether `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Where deliveries may go: any public address, and the networks an
/// operator allows on top.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    allowed: Vec<Network>,
}

impl Destinations {
    /// Public addresses, and `allowed` besides.
    pub fn new(allowed: Vec<Network>) -> Destinations {
        Destinations { allowed }
    }

    /// Why `ip` may not be sent to, when it may not.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if self.allowed.iter().any(|n| n.contains(ip)) {
            return None;
        }
        private_kind(ip)
    }
}

/// What kind of non-public address `ip` is, when it is one.
fn private_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let in_net = |a: [u8; 4], prefix: u8| {
                Network {
                    address: IpAddr::V4(Ipv4Addr::from(a)),
                    prefix,
                }
                .contains(ip)
            };
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_link_local() {
                Some("a link-local address (cloud metadata services live there)")
            } else if v4.is_private() || in_net([100, 64, 0, 0], 10) {
                Some("a private address")
            } else if v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || in_net([0, 0, 0, 0], 8)
                || in_net([192, 0, 0, 0], 24)
                || in_net([198, 18, 0, 0], 15)
                || in_net([240, 0, 0, 0], 4)
            {
                Some("a reserved address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let in_net = |a: Ipv6Addr, prefix: u8| {
                Network {
                    address: IpAddr::V6(a),
                    prefix,
                }
                .contains(ip)
            };
            if v6.is_loopback() {
                Some("a loopback address")
            } else if in_net(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10) {
                Some("a link-local address")
            } else if in_net(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7) {
                Some("a private address (cloud metadata services live there too)")
            } else if v6.is_unspecified()
                || v6.is_multicast()
                || in_net(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)
                || in_net(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32)
            {
                Some("a reserved address")
            } else {
                None
            }
        }
    }
}

/// The `X-Vitrine-Signature` of a delivery: `v1=` and the hex HMAC-SHA256,
/// keyed with the subscription's secret, of the `X-Vitrine-Timestamp`
/// value, a `.`, and the body as sent.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

/// How long to wait before attempt `attempt + 1` after `attempt` failures:
/// `base` doubled at each failure, at most an hour.
pub fn backoff(base: std::time::Duration, attempts: u32) -> std::time::Duration {
    let hour = std::time::Duration::from_secs(3600);
    base.checked_mul(1u32 << attempts.saturating_sub(1).min(20))
        .map_or(hour, |d| d.min(hour))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_scheme_a_host_and_a_port() {
        let t = Target::parse("https://Example.com/hook?x=1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.tls, t.host.as_str(), t.port), (true, "example.com", 443));
        let t = Target::parse("http://[::1]:8081/h").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.tls, t.host.as_str(), t.port), (false, "::1", 8081));
        for bad in [
            "ftp://example.com/",
            "http://",
            "http://user:pw@example.com/",
            "http://example.com:0/",
            "http://example.com:99999/",
            "http://exa mple.com/",
            "http://example.com/#frag",
            "example.com/hook",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn private_link_local_and_metadata_addresses_are_refused_unless_allowed() {
        let none = Destinations::default();
        for refused in [
            "169.254.169.254",
            "10.0.0.1",
            "127.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            let ip: IpAddr = refused.parse().unwrap_or_else(|e| panic!("{refused}: {e}"));
            assert!(none.refusal(ip).is_some(), "{refused}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            let ip: IpAddr = public.parse().unwrap_or_else(|e| panic!("{public}: {e}"));
            assert_eq!(none.refusal(ip), None, "{public}");
        }
        let loopback = Destinations::new(
            ["127.0.0.0/8", "::1"]
                .iter()
                .filter_map(|n| Network::parse(n))
                .collect(),
        );
        assert_eq!(
            loopback.refusal(
                "127.0.0.2"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
            ),
            None
        );
        assert!(loopback
            .refusal(
                "10.0.0.1"
                    .parse()
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
            )
            .is_some());
        assert_eq!(Network::parse("10.0.0.0/33"), None);
    }

    #[test]
    fn a_signature_is_the_hmac_of_the_timestamp_and_the_body() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap_or_else(|e| panic!("{e}"));
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let a = signature("s", 1, b"{}");
        assert!(a.starts_with("v1=") && a.len() == 67);
        assert_ne!(a, signature("s", 2, b"{}"));
        assert_ne!(a, signature("t", 1, b"{}"));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = std::time::Duration::from_secs(1);
        assert_eq!(backoff(base, 1).as_secs(), 1);
        assert_eq!(backoff(base, 2).as_secs(), 2);
        assert_eq!(backoff(base, 5).as_secs(), 16);
        assert_eq!(backoff(base, 40).as_secs(), 3600);
    }
}
