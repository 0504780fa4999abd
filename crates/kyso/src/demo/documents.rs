//! A dozen documents in every state, made by the people whose job it is
//! through the office's use cases: drafts rendered per Decree 30/2020
//! (`kyso_office::render::draft_pdf`, the boxes' places passed as the
//! layout), submitted, returned, approved with the approver's key through
//! their `kyso agent`, numbered and sealed, issued, received with every
//! status 01–06, recalled with one recipient accepting (15) and one
//! refusing (16).

use std::collections::BTreeMap;

use anyhow::{Context as _, Result};
use kyso_office::delivery::{Assignment, DeliveryAction, InboxFilter};
use kyso_office::document::draft::{NewDraft, Upload};
use kyso_office::document::metadata::{DocumentMetadata, Priority};
use kyso_office::document::state::Flow;
use kyso_office::document::DocumentView;
use kyso_office::render::{draft_pdf, AdministrativeDocument};
use kyso_office::{Actor, Office};

use super::province::{PersonSeed, AGENCIES, PEOPLE};
use super::seed::{actor, Ids};

/// How far a document goes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Cancelled,
    Draft,
    Submitted,
    Returned,
    Approved,
    Sealed,
    Issued,
}

/// What happens at each recipient after issuing (code ⇒ what to do).
#[derive(Clone, Copy)]
enum Then {
    /// Every recipient moves to the given statuses in order of recipients.
    Statuses(&'static [&'static str]),
    /// Recalled by the sender; the first recipient accepts, the second refuses.
    Recall,
}

struct Spec {
    agency: &'static str,
    flow: Flow,
    type_code: &'static str,
    type_name: &'static str,
    category: &'static str,
    priority: Priority,
    subject: &'static str,
    body: &'static [&'static str],
    to: &'static [&'static str],
    stage: Stage,
    then: Option<Then>,
}

const TINH: &str = "000.00.00.H45";
const VP: &str = "000.00.01.H45";
const SKHCN: &str = "000.00.02.H45";
const STC: &str = "000.00.03.H45";
const SNV: &str = "000.00.04.H45";
const GIAVIEN: &str = "000.10.00.H45";
const GIAVAN: &str = "000.10.01.H45";
const GIAHOA: &str = "000.10.02.H45";
const KIMSON: &str = "000.20.00.H45";

const SPECS: &[Spec] = &[
    Spec {
        agency: TINH,
        flow: Flow::Two,
        type_code: "KH",
        type_name: "Kế hoạch",
        category: "thong-tin",
        priority: Priority::Thuong,
        subject: "Chuyển đổi số tỉnh Ninh Bình năm 2027",
        body: &[
            "Thực hiện Nghị quyết của Tỉnh ủy về chuyển đổi số, Ủy ban nhân dân tỉnh ban hành Kế hoạch chuyển đổi số năm 2027 với các nội dung sau.",
            "1. Mục tiêu: 100% văn bản trao đổi giữa các cơ quan nhà nước trên địa bàn tỉnh (trừ văn bản mật) được ký số và gửi, nhận dưới dạng điện tử.",
            "2. Nhiệm vụ: các sở, ban, ngành và Ủy ban nhân dân cấp huyện rà soát, đề nghị cấp chứng thư số cho cán bộ có thẩm quyền ký văn bản.",
        ],
        to: &[],
        stage: Stage::Draft,
        then: None,
    },
    Spec {
        agency: TINH,
        flow: Flow::Two,
        type_code: "CV",
        type_name: "Công văn",
        category: "cong-van",
        priority: Priority::Khan,
        subject: "Về việc triển khai sử dụng chữ ký số chuyên dùng Chính phủ",
        body: &[
            "Để đẩy mạnh việc gửi, nhận văn bản điện tử có ký số theo Quyết định số 12/2018/QĐ-UBND của Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh đề nghị:",
            "1. Thủ trưởng các cơ quan, đơn vị giao văn thư quản lý chứng thư số của cơ quan, tổ chức như quản lý con dấu.",
            "2. Người có thẩm quyền ký văn bản sử dụng chứng thư số cá nhân để ký số văn bản trước khi chuyển văn thư cấp số, đóng dấu số và phát hành.",
        ],
        to: &[SKHCN, STC, SNV, GIAVIEN, KIMSON],
        stage: Stage::Submitted,
        then: None,
    },
    Spec {
        agency: TINH,
        flow: Flow::Two,
        type_code: "BC",
        type_name: "Báo cáo",
        category: "bao-cao",
        priority: Priority::Thuong,
        subject: "Tình hình sử dụng chữ ký số quý IV năm 2026",
        body: &[
            "Trong quý IV năm 2026, các cơ quan nhà nước trên địa bàn tỉnh đã ký số và gửi điện tử 12.480 văn bản, tăng 18% so với quý III.",
            "Một số đơn vị cấp xã còn gửi kèm bản giấy; đề nghị chấm dứt từ ngày 01 tháng 01 năm 2027.",
        ],
        to: &[VP],
        stage: Stage::Returned,
        then: None,
    },
    Spec {
        agency: TINH,
        flow: Flow::Two,
        type_code: "TB",
        type_name: "Thông báo",
        category: "thong-bao",
        priority: Priority::Thuong,
        subject: "Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại buổi làm việc với Sở Khoa học và Công nghệ",
        body: &[
            "Ngày 25 tháng 11 năm 2026, Chủ tịch Ủy ban nhân dân tỉnh làm việc với Sở Khoa học và Công nghệ về dịch vụ chứng thực chữ ký số chuyên dùng.",
            "Chủ tịch Ủy ban nhân dân tỉnh kết luận: Sở Khoa học và Công nghệ tổng hợp nhu cầu cấp chứng thư số của các cơ quan, hoàn thành trước ngày 31 tháng 12 năm 2026.",
        ],
        to: &[SKHCN],
        stage: Stage::Approved,
        then: None,
    },
    Spec {
        agency: TINH,
        flow: Flow::Two,
        type_code: "QĐ",
        type_name: "Quyết định",
        category: "cong-van",
        priority: Priority::Thuong,
        subject: "Ban hành Quy chế quản lý, sử dụng chữ ký số trong cơ quan nhà nước tỉnh Ninh Bình",
        body: &[
            "Căn cứ Luật Tổ chức chính quyền địa phương; căn cứ Luật Giao dịch điện tử năm 2023; căn cứ Nghị định số 68/2024/NĐ-CP của Chính phủ quy định về chữ ký số chuyên dùng công vụ;",
            "Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý, sử dụng chữ ký số trong cơ quan nhà nước tỉnh Ninh Bình.",
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
            "Điều 3. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc các sở, Chủ tịch Ủy ban nhân dân các huyện chịu trách nhiệm thi hành Quyết định này.",
        ],
        to: &[VP, SKHCN, STC, SNV],
        stage: Stage::Sealed,
        then: None,
    },
    Spec {
        agency: TINH,
        flow: Flow::Two,
        type_code: "CV",
        type_name: "Công văn",
        category: "cong-van",
        priority: Priority::ThuongKhan,
        subject: "Về việc rà soát, đề nghị cấp chứng thư số cho người có thẩm quyền ký văn bản",
        body: &[
            "Ủy ban nhân dân tỉnh đề nghị các cơ quan, đơn vị rà soát danh sách người có thẩm quyền ký văn bản và văn thư quản lý chứng thư số của cơ quan.",
            "Danh sách gửi về Sở Khoa học và Công nghệ trước ngày 20 tháng 12 năm 2026 để tổng hợp, đề nghị Ban Cơ yếu Chính phủ cấp chứng thư số.",
        ],
        to: &[VP, SKHCN, STC, SNV, GIAVIEN, KIMSON],
        stage: Stage::Issued,
        then: Some(Then::Statuses(&["01", "02", "03", "04", "05", "06"])),
    },
    Spec {
        agency: TINH,
        flow: Flow::Two,
        type_code: "GM",
        type_name: "Giấy mời",
        category: "giay-moi",
        priority: Priority::Thuong,
        subject: "Họp trực tuyến sơ kết triển khai văn bản điện tử",
        body: &[
            "Ủy ban nhân dân tỉnh trân trọng kính mời đại diện lãnh đạo các cơ quan dự họp trực tuyến sơ kết triển khai văn bản điện tử.",
            "Thời gian: 08 giờ 00 ngày 15 tháng 12 năm 2026. Địa điểm: điểm cầu trực tuyến tại trụ sở các cơ quan.",
        ],
        to: &[STC, SNV],
        stage: Stage::Issued,
        then: Some(Then::Recall),
    },
    Spec {
        agency: SKHCN,
        flow: Flow::Seal,
        type_code: "TB",
        type_name: "Thông báo",
        category: "thong-bao",
        priority: Priority::Thuong,
        subject: "Giới thiệu mẫu chữ ký số và chứng thư số của cơ quan",
        body: &[
            "Sở Khoa học và Công nghệ thông báo mẫu chữ ký số, chứng thư số của cơ quan để các cơ quan, đơn vị biết và xác thực văn bản điện tử.",
            "Chứng thư số của cơ quan do hệ thống chứng thực của tỉnh cấp, có hiệu lực 05 năm kể từ ngày cấp.",
        ],
        to: &[GIAVIEN, KIMSON],
        stage: Stage::Issued,
        then: Some(Then::Statuses(&["03", "01"])),
    },
    Spec {
        agency: STC,
        flow: Flow::Two,
        type_code: "CV",
        type_name: "Công văn",
        category: "xin-y-kien",
        priority: Priority::Thuong,
        subject: "Về việc góp ý dự toán kinh phí thuê dịch vụ chứng thực chữ ký số năm 2027",
        body: &[
            "Sở Tài chính nhận được dự thảo dự toán kinh phí thuê dịch vụ chứng thực chữ ký số năm 2027 của Sở Khoa học và Công nghệ.",
            "Sở Tài chính đề nghị Ủy ban nhân dân tỉnh cho ý kiến để hoàn thiện dự toán trước ngày 10 tháng 12 năm 2026.",
        ],
        to: &[TINH],
        stage: Stage::Issued,
        then: Some(Then::Statuses(&["04"])),
    },
    Spec {
        agency: GIAVIEN,
        flow: Flow::Two,
        type_code: "TB",
        type_name: "Thông báo",
        category: "lich-cong-tac",
        priority: Priority::Thuong,
        subject: "Lịch tiếp công dân tháng 12 năm 2026 của Chủ tịch Ủy ban nhân dân huyện",
        body: &[
            "Chủ tịch Ủy ban nhân dân huyện Gia Viễn tiếp công dân định kỳ vào ngày 10 và ngày 25 tháng 12 năm 2026 tại Trụ sở tiếp công dân huyện.",
            "Ủy ban nhân dân các xã niêm yết công khai lịch tiếp công dân tại trụ sở.",
        ],
        to: &[GIAVAN, GIAHOA],
        stage: Stage::Issued,
        then: Some(Then::Statuses(&["06", "02"])),
    },
    Spec {
        agency: KIMSON,
        flow: Flow::Two,
        type_code: "BC",
        type_name: "Báo cáo",
        category: "bao-cao",
        priority: Priority::Thuong,
        subject: "Kết quả cấp chứng thư số cho cán bộ cấp xã năm 2026",
        body: &[
            "Năm 2026, Ủy ban nhân dân huyện Kim Sơn đã đề nghị cấp 54 chứng thư số cá nhân và 27 chứng thư số cơ quan cho Ủy ban nhân dân các xã, thị trấn.",
        ],
        to: &[TINH, SKHCN],
        stage: Stage::Submitted,
        then: None,
    },
    Spec {
        agency: SNV,
        flow: Flow::Two,
        type_code: "CV",
        type_name: "Công văn",
        category: "cong-van",
        priority: Priority::Thuong,
        subject: "Về việc cập nhật danh sách văn thư các cơ quan (dự thảo đã hủy)",
        body: &["Sở Nội vụ đề nghị các cơ quan cập nhật danh sách văn thư quản lý chứng thư số của cơ quan."],
        to: &[TINH],
        stage: Stage::Cancelled,
        then: None,
    },
];

fn person_with(role: &str, agency: &str) -> Option<&'static PersonSeed> {
    PEOPLE
        .iter()
        .find(|p| p.roles.iter().any(|r| r.0 == agency && r.1 == role))
}

fn agency_seed(code: &str) -> &'static super::province::AgencySeed {
    AGENCIES
        .iter()
        .find(|a| a.code == code)
        .expect("demo agency")
}

/// The place name of box 4: the province, or the district.
fn place(code: &str) -> &'static str {
    match code {
        GIAVIEN | GIAVAN | GIAHOA => "Gia Viễn",
        c if c.starts_with("000.20.") => "Kim Sơn",
        _ => "Ninh Bình",
    }
}

/// Box 2's first line: the governing body above the issuer, if any.
fn parent_body(code: &str) -> Option<String> {
    let a = agency_seed(code);
    a.parent
        .map(|p| agency_seed(p).name.replace("Ủy ban nhân dân", "UBND"))
}

/// Makes the documents; `approve` signs with the approver's agent.
pub struct Maker<'a> {
    pub office: &'a Office,
    pub ids: &'a Ids,
    pub password: &'a str,
    /// Agent URL per approver.
    pub agents: &'a BTreeMap<String, String>,
    pub origin: &'a str,
    actors: BTreeMap<String, Actor>,
}

impl<'a> Maker<'a> {
    pub fn new(
        office: &'a Office,
        ids: &'a Ids,
        password: &'a str,
        agents: &'a BTreeMap<String, String>,
        origin: &'a str,
    ) -> Self {
        Maker {
            office,
            ids,
            password,
            agents,
            origin,
            actors: BTreeMap::new(),
        }
    }

    async fn as_(&mut self, role: &str, agency: &str) -> Result<(Actor, &'static PersonSeed)> {
        let p = person_with(role, agency).with_context(|| format!("no demo {role} in {agency}"))?;
        if !self.actors.contains_key(p.username) {
            let a = actor(self.office, p.username, self.password).await?;
            self.actors.insert(p.username.into(), a);
        }
        Ok((self.actors[p.username].clone(), p))
    }

    /// Every document of [`SPECS`].
    pub async fn all(&mut self) -> Result<Vec<DocumentView>> {
        let mut out = Vec::new();
        for s in SPECS {
            out.push(
                self.one(s)
                    .await
                    .with_context(|| format!("demo document {:?}", s.subject))?,
            );
        }
        Ok(out)
    }

    async fn one(&mut self, s: &Spec) -> Result<DocumentView> {
        let office = self.office;
        let agency = agency_seed(s.agency);
        let agency_id = self.ids.agencies[s.agency];
        let (signer, signer_seed) = match s.flow {
            Flow::Two => self.as_("approver", s.agency).await?,
            Flow::Seal => self.as_("head", s.agency).await?,
        };
        let role = signer.memberships.iter().find(|m| m.agency_id == agency_id);
        let position = role
            .and_then(|m| m.position.clone())
            .unwrap_or_else(|| "Thủ trưởng".into());
        let authority = role.and_then(|m| m.title.clone());
        let mut recipients_text: Vec<String> =
            s.to.iter()
                .map(|c| format!("- {};", agency_seed(c).name))
                .collect();
        recipients_text.push("- Lưu: VT.".into());
        let rendered = draft_pdf(&AdministrativeDocument {
            parent_body: parent_body(s.agency),
            issuing_body: agency.name.into(),
            type_code: s.type_code.into(),
            type_name: if s.type_code == "CV" {
                String::new()
            } else {
                s.type_name.into()
            },
            agency_short: agency.short_name.into(),
            place: place(s.agency).into(),
            subject: s.subject.into(),
            body: s.body.iter().map(|p| p.to_string()).collect(),
            authority,
            position,
            signer_name: signer_seed.full_name.into(),
            recipients: recipients_text,
            priority: s.priority,
        })?;
        let metadata = DocumentMetadata {
            type_code: s.type_code.into(),
            subject: s.subject.into(),
            category: Some(s.category.into()),
            priority: s.priority,
            secrecy: Default::default(),
            due_date: None,
            copies: Some(1),
            language: None,
            issue_place: Some(place(s.agency).into()),
            recipients: s.to.iter().map(|c| self.ids.agencies[c]).collect(),
            layout: Some(rendered.layout.clone()),
            replaces_id: None,
            relation: None,
        };
        let (author, _) = match s.flow {
            Flow::Two => self.as_("drafter", s.agency).await?,
            Flow::Seal => self.as_("clerk", s.agency).await?,
        };
        let mut d = office
            .create_draft(
                &author,
                NewDraft {
                    agency_id,
                    flow: s.flow,
                    metadata,
                    main: Upload {
                        name: format!("{} {}.pdf", s.type_name, s.subject)
                            .chars()
                            .take(80)
                            .collect(),
                        media_type: "application/pdf".into(),
                        bytes: rendered.pdf.into(),
                    },
                    attachments: vec![],
                },
                None,
            )
            .await?;
        let id = d.id;
        if s.stage == Stage::Cancelled {
            return Ok(office.cancel_draft(&author, id).await?);
        }
        if s.stage == Stage::Draft {
            return Ok(d);
        }
        if s.flow == Flow::Two {
            d = office.submit_draft(&author, id).await?;
            if s.stage == Stage::Submitted {
                return Ok(d);
            }
            if s.stage == Stage::Returned {
                return Ok(office
                    .return_draft(
                        &signer,
                        id,
                        "Đề nghị bổ sung số liệu của các huyện và so sánh với cùng kỳ năm trước.",
                    )
                    .await?);
            }
            let url = self
                .agents
                .get(signer_seed.username)
                .with_context(|| format!("no agent for {}", signer_seed.username))?;
            d = super::agents::approve(office, &signer, id, url, self.origin).await?;
            if s.stage == Stage::Approved {
                return Ok(d);
            }
        }
        let (clerk, _) = self.as_("clerk", s.agency).await?;
        d = office.number_and_seal(&clerk, id).await?;
        if s.stage == Stage::Sealed {
            return Ok(d);
        }
        office.issue(&clerk, id).await?;
        match s.then {
            Some(Then::Statuses(codes)) => {
                for (to, code) in s.to.iter().zip(codes.iter()) {
                    self.receive(id, to, code).await?;
                }
            }
            Some(Then::Recall) => {
                for to in s.to {
                    self.receive(id, to, "03").await?;
                }
                office
                    .recall(
                        &clerk,
                        id,
                        "Thay đổi thời gian họp; Ủy ban nhân dân tỉnh sẽ gửi giấy mời khác.",
                    )
                    .await?;
                let answers = [(DeliveryAction::AcceptRecall, None), (
                    DeliveryAction::RefuseRecall,
                    Some("Văn bản đã được chuyển tới các phòng chuyên môn để chuẩn bị nội dung họp."),
                )];
                for (to, (action, reason)) in s.to.iter().zip(answers) {
                    let (recipient_clerk, _) = self.as_("clerk", to).await?;
                    let dl = self.delivery(&recipient_clerk, id, to).await?;
                    office
                        .act_on_incoming(&recipient_clerk, dl, action, reason, None)
                        .await?;
                }
            }
            None => {}
        }
        Ok(office.document(&clerk, id).await?)
    }

    /// The delivery of document `id` at agency `to`.
    async fn delivery(&self, actor: &Actor, id: i64, to: &str) -> Result<i64> {
        let list = self
            .office
            .inbox(
                actor,
                &InboxFilter {
                    agency_id: Some(self.ids.agencies[to]),
                    ..Default::default()
                },
            )
            .await?;
        Ok(list
            .iter()
            .find(|i| i.document_id == id)
            .with_context(|| format!("document {id} did not arrive at {to}"))?
            .id)
    }

    /// Takes the delivery of `id` at `to` to status `code` (01–06).
    async fn receive(&mut self, id: i64, to: &str, code: &str) -> Result<()> {
        let (clerk, _) = self.as_("clerk", to).await?;
        let head = match self.as_("head", to).await {
            Ok((h, _)) => h,
            Err(_) => clerk.clone(),
        };
        let dl = self.delivery(&clerk, id, to).await?;
        let office = self.office;
        let steps: &[DeliveryAction] = match code {
            "01" => &[],
            "02" => &[DeliveryAction::Reject],
            "03" => &[DeliveryAction::Register],
            "04" => &[DeliveryAction::Register, DeliveryAction::Assign],
            "05" => &[
                DeliveryAction::Register,
                DeliveryAction::Assign,
                DeliveryAction::Process,
            ],
            _ => &[
                DeliveryAction::Register,
                DeliveryAction::Assign,
                DeliveryAction::Process,
                DeliveryAction::Complete,
            ],
        };
        for step in steps {
            let (who, reason, assignment) = match step {
                DeliveryAction::Reject => (
                    &clerk,
                    Some("Văn bản không thuộc thẩm quyền giải quyết của cơ quan."),
                    None,
                ),
                DeliveryAction::Assign => (
                    &clerk,
                    None,
                    Some(Assignment {
                        person_id: Some(head.person_id),
                        unit: Some("Lãnh đạo cơ quan".into()),
                        note: Some("Đề nghị chỉ đạo xử lý.".into()),
                    }),
                ),
                DeliveryAction::Process | DeliveryAction::Complete => (&head, None, None),
                _ => (&clerk, None, None),
            };
            office
                .act_on_incoming(who, dl, *step, reason, assignment)
                .await?;
        }
        Ok(())
    }
}
