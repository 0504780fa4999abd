//! The search index at scale (issue 13 §3 benchmark): N documents
//! (default 100,000) with generated Vietnamese metadata and text, indexed
//! through [`SearchWriter`] as `kyso search reindex` does; then queries of
//! the kinds people type — words without accents, a phrase, words with
//! filters, filters only — each with the visibility filter of one agency
//! among 60. Prints build time, index size and query latency percentiles.
//!
//! `cargo test --workspace --locked --bench search_index` (dev profile:
//! tantivy is built at opt-level 2 there) or `cargo bench --bench
//! search_index`; `KYSO_BENCH_DOCS=10000` for a smaller run.

use std::time::{Duration, Instant};

use kyso_store::search::{IndexedDocument, RegisterSide, SearchIndex, SearchQuery};

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const TYPES: &[(&str, &str)] = &[
    ("QĐ", "Quyết định"),
    ("CV", "Công văn"),
    ("KH", "Kế hoạch"),
    ("TB", "Thông báo"),
    ("BC", "Báo cáo"),
    ("TTr", "Tờ trình"),
    ("CT", "Chỉ thị"),
    ("GM", "Giấy mời"),
];
const TOPICS: &[&str] = &[
    "chuyển đổi số",
    "chữ ký số",
    "cải cách hành chính",
    "phòng chống thiên tai",
    "an toàn thông tin",
    "xây dựng nông thôn mới",
    "quản lý đất đai",
    "y tế dự phòng",
    "giáo dục và đào tạo",
    "phát triển du lịch",
    "bảo vệ môi trường",
    "giải phóng mặt bằng",
    "đầu tư công",
    "văn thư lưu trữ",
    "thi đua khen thưởng",
    "phòng cháy chữa cháy",
    "an sinh xã hội",
    "giao thông vận tải",
    "quy hoạch đô thị",
    "thu ngân sách nhà nước",
];
const ACTIONS: &[&str] = &[
    "Về việc triển khai",
    "Phê duyệt kế hoạch",
    "Ban hành quy chế",
    "Tăng cường công tác",
    "Báo cáo kết quả",
    "Hướng dẫn thực hiện",
    "Kiện toàn ban chỉ đạo",
    "Tổ chức hội nghị",
];
const PLACES: &[&str] = &[
    "Ninh Bình",
    "Hoa Lư",
    "Tam Điệp",
    "Gia Viễn",
    "Nho Quan",
    "Yên Khánh",
    "Kim Sơn",
    "Yên Mô",
];
const NAMES: &[&str] = &[
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Đức",
    "Đỗ Thị Giang",
    "Vũ Văn Hải",
    "Bùi Thị Hạnh",
    "Đặng Văn Khoa",
    "Ngô Thị Lan",
];
const SENTENCES: &[&str] = &[
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015.",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư.",
    "Theo đề nghị của Giám đốc Sở Thông tin và Truyền thông tại Tờ trình số 125/TTr-STTTT.",
    "Các sở, ban, ngành, Ủy ban nhân dân các huyện, thành phố chịu trách nhiệm thi hành Quyết định này.",
    "Quyết định này có hiệu lực kể từ ngày ký.",
    "Giao Sở Tài chính chủ trì, phối hợp với các cơ quan liên quan bố trí kinh phí thực hiện.",
    "Định kỳ hằng quý báo cáo kết quả thực hiện về Ủy ban nhân dân tỉnh trước ngày 20 của tháng cuối quý.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị phản ánh kịp thời để xem xét, giải quyết.",
    "Đẩy mạnh ứng dụng công nghệ thông tin, sử dụng chữ ký số trong trao đổi văn bản điện tử.",
    "Bảo đảm an toàn, an ninh mạng và bảo vệ dữ liệu cá nhân theo quy định của pháp luật.",
    "Tổ chức tuyên truyền, phổ biến rộng rãi đến cán bộ, công chức, viên chức và Nhân dân.",
    "Thủ trưởng các cơ quan, đơn vị chịu trách nhiệm trước Chủ tịch Ủy ban nhân dân tỉnh về kết quả thực hiện.",
];
const AGENCIES: usize = 60;

fn document(id: i64, r: &mut Rng) -> IndexedDocument {
    let (code, name) = TYPES[r.below(TYPES.len())];
    let topic = r.pick(TOPICS);
    let subject = format!(
        "{} {} trên địa bàn {}",
        r.pick(ACTIONS),
        topic,
        r.pick(PLACES)
    );
    // About 2–4 KB of text: the first pages of an administrative document.
    let mut body = String::new();
    for _ in 0..(12 + r.below(16)) {
        body.push_str(r.pick(SENTENCES));
        body.push(' ');
        if r.below(4) == 0 {
            body.push_str(&format!(
                "Nội dung về {} năm {}. ",
                r.pick(TOPICS),
                2020 + r.below(7)
            ));
        }
    }
    let year = 2020 + r.below(7) as i32;
    let date = i64::from(year) * 10_000 + (1 + r.below(12) as i64) * 100 + 1 + r.below(28) as i64;
    let agency = 1 + r.below(AGENCIES) as i64;
    let recipients = (0..r.below(4))
        .map(|_| 1 + r.below(AGENCIES) as i64)
        .collect();
    let numbered = r.below(5) != 0;
    IndexedDocument {
        id,
        agency_id: agency,
        recipients,
        year,
        date,
        type_code: code.into(),
        category_id: Some(1 + r.below(12) as i64),
        state: if numbered { "issued" } else { "draft" }.into(),
        numbered,
        signer: r.pick(NAMES).into(),
        subject,
        number: if numbered {
            format!("{:02}/{code}-UBND", 1 + r.below(900))
        } else {
            String::new()
        },
        meta: format!(
            "{name} · {} · Ủy ban nhân dân huyện {}",
            r.pick(PLACES),
            r.pick(PLACES)
        ),
        body,
        version: 1,
        indexed_at: 1,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let n: i64 = std::env::var("KYSO_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(&dir.path().join("search")).unwrap();
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);

    let t = Instant::now();
    let mut w = index.writer(200_000_000).unwrap();
    w.clear().unwrap();
    let mut text_bytes = 0usize;
    for id in 1..=n {
        let d = document(id, &mut r);
        text_bytes += d.body.len() + d.subject.len();
        w.put(&d).unwrap();
    }
    w.commit(0).unwrap();
    let build = t.elapsed();
    let stats = index.stats().unwrap();
    println!(
        "search index: {n} documents ({:.0} MB of text) indexed in {:.1} s ({:.0} documents/s); \
         index {:.0} MB in {} segments",
        text_bytes as f64 / 1e6,
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64(),
        stats.bytes as f64 / 1e6,
        stats.segments
    );

    let words = [
        "quyet dinh",
        "chu ky so",
        "chuyen doi so",
        "van thu luu tru",
        "an toan thong tin",
        "ke hoach",
        "ninh binh",
        "phong chong thien tai",
        "so tai chinh",
        "bao cao ket qua",
        "dat dai",
        "hoa lu",
        "\"cai cach hanh chinh\"",
        "nong thon moi",
        "thi dua khen thuong",
        "du lich",
        "y te",
        "30/2020/nd-cp",
        "giai phong mat bang",
        "dau tu cong",
    ];
    let mut times: Vec<(&str, Vec<Duration>)> = vec![
        ("words", Vec::new()),
        ("words + filters", Vec::new()),
        ("filters only", Vec::new()),
    ];
    let rounds = 1_000;
    let mut hits = 0usize;
    for i in 0..rounds * 3 {
        let kind = i % 3;
        let agency = 1 + r.below(AGENCIES) as i64;
        let mut q = SearchQuery {
            issuer_visible: vec![agency],
            recipient_visible: vec![agency],
            limit: 20,
            ..SearchQuery::default()
        };
        if kind != 2 {
            q.text = words[r.below(words.len())].to_string();
        }
        if kind != 0 {
            q.year = Some(2020 + r.below(7) as i32);
            if r.below(2) == 0 {
                q.register = Some(RegisterSide::Out);
            }
            if r.below(2) == 0 {
                q.type_code = Some(TYPES[r.below(TYPES.len())].0.into());
            }
        }
        let t = Instant::now();
        let res = index.search(&q).unwrap();
        times[kind].1.push(t.elapsed());
        hits += res.hits.len();
    }
    let mut all: Vec<Duration> = Vec::new();
    for (name, v) in &mut times {
        v.sort();
        all.extend(v.iter().copied());
        println!(
            "query ({name}, {} runs): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            v.len(),
            percentile(v, 0.5).as_secs_f64() * 1e3,
            percentile(v, 0.95).as_secs_f64() * 1e3,
            percentile(v, 0.99).as_secs_f64() * 1e3,
            v.last().unwrap().as_secs_f64() * 1e3,
        );
    }
    all.sort();
    println!(
        "query (all {}): p50 {:.2} ms, p99 {:.2} ms; {:.1} hits a query on average (20 at most)",
        all.len(),
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        hits as f64 / all.len() as f64
    );
}
