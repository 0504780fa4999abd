//! The province's agencies, people, roles and certificates, made through
//! the office's own use cases (bootstrap, then the administrator's
//! actions): nothing is written to the database behind the office's back.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use kyso_office::agency::{NewAgency, SealKeySetup};
use kyso_office::person::{NewMembership, NewPerson};
use kyso_office::{Actor, Office};

use super::province::{PersonSeed, ADMIN, AGENCIES, PEOPLE, PROVINCE};
use super::state::{DemoApprover, DemoState, Login};
use crate::agent::DEMO_UNIT;

/// Ids of what was made, by agency code and user name.
#[derive(Default)]
pub struct Ids {
    pub agencies: BTreeMap<&'static str, i64>,
    pub people: BTreeMap<&'static str, i64>,
}

/// A session's actor for `username` (the office's login use case).
pub async fn actor(office: &Office, username: &str, password: &str) -> Result<Actor> {
    Ok(office
        .login(username, password, None)
        .await
        .with_context(|| format!("demo login {username}"))?
        .actor)
}

fn new_password() -> Result<String> {
    let mut b = [0u8; 6];
    kyso_crypto::random_bytes(&mut b)?;
    Ok(format!("demo-{}", hex::encode(b)))
}

fn email(username: &str) -> String {
    format!("{}@ninhbinh.gov.vn", username.replace('.', "-"))
}

fn agency_name(code: &str) -> &'static str {
    AGENCIES
        .iter()
        .find(|a| a.code == code)
        .map(|a| a.name)
        .unwrap_or("")
}

fn login_of(p: &PersonSeed) -> Login {
    Login {
        username: p.username.into(),
        full_name: p.full_name.into(),
        roles: p
            .roles
            .iter()
            .map(|(code, role, _, _)| (role.to_string(), agency_name(code).to_string()))
            .collect(),
    }
}

fn certificate_pem(der: &[u8]) -> Result<String> {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der)
        .map_err(|e| anyhow::anyhow!("PEM: {e}"))
}

/// Agencies, people, seal keys, approvers' keys and certificates.
pub async fn province(
    data: &Path,
    office: &Office,
    softhsm: Option<&Path>,
) -> Result<(DemoState, Ids)> {
    let password = new_password()?;
    let mut ids = Ids::default();
    let top = &AGENCIES[0];
    let boot = office
        .bootstrap(
            NewAgency {
                parent_id: None,
                code: top.code.into(),
                name: top.name.into(),
                short_name: top.short_name.into(),
                level: top.level.into(),
                email: top.email.into(),
                address: top.address.into(),
                phone: String::new(),
            },
            ADMIN.username,
            ADMIN.full_name,
            &password,
        )
        .await;
    let (top_view, admin_view) = match boot {
        Ok(v) => v,
        Err(e) if e.code == "already-initialised" => bail!(
            "thư mục dữ liệu đã có văn phòng không do kyso demo tạo; dùng `kyso serve` / the data directory holds an office kyso demo did not make: use `kyso serve`, or a new --data directory for the demo"
        ),
        Err(e) => return Err(e.into()),
    };
    ids.agencies.insert(PROVINCE, top_view.id);
    ids.people.insert(ADMIN.username, admin_view.id);
    let admin = actor(office, ADMIN.username, &password).await?;
    for a in &AGENCIES[1..] {
        let parent = a.parent.and_then(|p| ids.agencies.get(p).copied());
        let v = office
            .create_agency(
                &admin,
                NewAgency {
                    parent_id: parent,
                    code: a.code.into(),
                    name: a.name.into(),
                    short_name: a.short_name.into(),
                    level: a.level.into(),
                    email: a.email.into(),
                    address: a.address.into(),
                    phone: String::new(),
                },
            )
            .await
            .with_context(|| format!("agency {}", a.code))?;
        ids.agencies.insert(a.code, v.id);
    }
    let membership = |(code, role, position, title): &super::province::RoleSeed| NewMembership {
        agency_id: ids.agencies[code],
        role: role.to_string(),
        position: position.map(str::to_string),
        title: title.map(str::to_string),
    };
    for r in &ADMIN.roles[1..] {
        office
            .add_membership(&admin, admin_view.id, membership(r))
            .await?;
    }
    for p in PEOPLE {
        let v = office
            .create_person(
                &admin,
                NewPerson {
                    username: p.username.into(),
                    full_name: p.full_name.into(),
                    email: email(p.username),
                    phone: String::new(),
                    password: Some(password.clone()),
                    memberships: p.roles.iter().map(membership).collect(),
                },
            )
            .await
            .with_context(|| format!("person {}", p.username))?;
        ids.people.insert(p.username, v.id);
    }
    // Seal keys: generated in the data directory, encrypted with the
    // server's key password; organization certificates from the CA.
    for a in AGENCIES {
        office
            .set_seal_key(&admin, ids.agencies[a.code], SealKeySetup::Generate)
            .await
            .with_context(|| format!("seal key of {}", a.code))?;
        office
            .set_seal_image(
                &admin,
                ids.agencies[a.code],
                super::images::seal_png().into(),
            )
            .await?;
    }
    // Approvers: a key in a software token each, a personal certificate.
    let ca = office.ca().clone();
    let chain = vec![
        certificate_pem(ca.issuing_der())?,
        certificate_pem(ca.root_der())?,
    ];
    let mut approvers = Vec::new();
    for p in PEOPLE {
        let Some((code, _, position, _)) = p.roles.iter().find(|r| r.1 == "approver") else {
            continue;
        };
        let (holder, secret, spki) = super::keys::create(data, softhsm, p.username).await?;
        let subject = kyso_pki::name::SubjectName {
            state: Some(ca.config().province.clone()),
            organization: Some(agency_name(code).into()),
            organizational_units: vec![DEMO_UNIT.into()],
            title: position.map(str::to_string),
            common_name: p.full_name.into(),
            email: Some(email(p.username)),
            ..Default::default()
        };
        let issued = ca
            .issue_for_public_key(
                &subject,
                &spki,
                &kyso_ca::IssueOptions {
                    profile: kyso_pki::profile::Profile::PersonalSigning,
                    days: None,
                    subject: None,
                    email: None,
                },
            )
            .await
            .with_context(|| format!("certificate of {}", p.username))?;
        super::keys::store_certificate(data, &holder, &secret, p.username, &issued.pem, &chain)
            .await?;
        let id = ids.people[p.username];
        office
            .set_person_certificate(&admin, id, &issued.pem)
            .await?;
        office
            .set_signature_image(&admin, id, super::images::specimen_png(p.full_name).into())
            .await?;
        approvers.push(DemoApprover {
            username: p.username.into(),
            full_name: p.full_name.into(),
            agency: agency_name(code).into(),
            holder,
            secret,
        });
    }
    let mut logins = vec![login_of(&ADMIN)];
    logins.extend(PEOPLE.iter().map(login_of));
    Ok((
        DemoState {
            complete: false,
            password,
            logins,
            approvers,
        },
        ids,
    ))
}
