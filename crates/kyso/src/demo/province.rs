//! The demo province: Ninh Bình's People's Committee and its Office, the
//! Department of Science and Technology (which runs the certificate
//! service), two other departments, two districts with two communes each,
//! and the people who work there. Fictional people; real place names;
//! codes in the `000.xx.yy.H45` pattern of the national agency codes.

/// One agency of the tree; `parent` is the code of the agency above.
pub struct AgencySeed {
    pub code: &'static str,
    pub parent: Option<&'static str>,
    pub name: &'static str,
    pub short_name: &'static str,
    pub level: &'static str,
    pub email: &'static str,
    pub address: &'static str,
}

/// The province first, then every agency after its parent.
pub const AGENCIES: &[AgencySeed] = &[
    AgencySeed {
        code: "000.00.00.H45",
        parent: None,
        name: "Ủy ban nhân dân tỉnh Ninh Bình",
        short_name: "UBND",
        level: "province",
        email: "ubnd@ninhbinh.gov.vn",
        address: "Đường Trần Hưng Đạo, phường Đông Thành, thành phố Ninh Bình",
    },
    AgencySeed {
        code: "000.00.01.H45",
        parent: Some("000.00.00.H45"),
        name: "Văn phòng Ủy ban nhân dân tỉnh Ninh Bình",
        short_name: "VP",
        level: "department",
        email: "vpubnd@ninhbinh.gov.vn",
        address: "Đường Trần Hưng Đạo, phường Đông Thành, thành phố Ninh Bình",
    },
    AgencySeed {
        code: "000.00.02.H45",
        parent: Some("000.00.00.H45"),
        name: "Sở Khoa học và Công nghệ tỉnh Ninh Bình",
        short_name: "SKHCN",
        level: "department",
        email: "skhcn@ninhbinh.gov.vn",
        address: "Đường Lê Hồng Phong, phường Vân Giang, thành phố Ninh Bình",
    },
    AgencySeed {
        code: "000.00.03.H45",
        parent: Some("000.00.00.H45"),
        name: "Sở Tài chính tỉnh Ninh Bình",
        short_name: "STC",
        level: "department",
        email: "stc@ninhbinh.gov.vn",
        address: "Đường Lê Hồng Phong, phường Vân Giang, thành phố Ninh Bình",
    },
    AgencySeed {
        code: "000.00.04.H45",
        parent: Some("000.00.00.H45"),
        name: "Sở Nội vụ tỉnh Ninh Bình",
        short_name: "SNV",
        level: "department",
        email: "snv@ninhbinh.gov.vn",
        address: "Đường Lương Văn Thăng, phường Đông Thành, thành phố Ninh Bình",
    },
    AgencySeed {
        code: "000.10.00.H45",
        parent: Some("000.00.00.H45"),
        name: "Ủy ban nhân dân huyện Gia Viễn",
        short_name: "UBND",
        level: "district",
        email: "ubnd.giavien@ninhbinh.gov.vn",
        address: "Thị trấn Me, huyện Gia Viễn",
    },
    AgencySeed {
        code: "000.10.01.H45",
        parent: Some("000.10.00.H45"),
        name: "Ủy ban nhân dân xã Gia Vân",
        short_name: "UBND",
        level: "commune",
        email: "giavan.giavien@ninhbinh.gov.vn",
        address: "Xã Gia Vân, huyện Gia Viễn",
    },
    AgencySeed {
        code: "000.10.02.H45",
        parent: Some("000.10.00.H45"),
        name: "Ủy ban nhân dân xã Gia Hòa",
        short_name: "UBND",
        level: "commune",
        email: "giahoa.giavien@ninhbinh.gov.vn",
        address: "Xã Gia Hòa, huyện Gia Viễn",
    },
    AgencySeed {
        code: "000.20.00.H45",
        parent: Some("000.00.00.H45"),
        name: "Ủy ban nhân dân huyện Kim Sơn",
        short_name: "UBND",
        level: "district",
        email: "ubnd.kimson@ninhbinh.gov.vn",
        address: "Thị trấn Phát Diệm, huyện Kim Sơn",
    },
    AgencySeed {
        code: "000.20.01.H45",
        parent: Some("000.20.00.H45"),
        name: "Ủy ban nhân dân thị trấn Phát Diệm",
        short_name: "UBND",
        level: "commune",
        email: "phatdiem.kimson@ninhbinh.gov.vn",
        address: "Thị trấn Phát Diệm, huyện Kim Sơn",
    },
    AgencySeed {
        code: "000.20.02.H45",
        parent: Some("000.20.00.H45"),
        name: "Ủy ban nhân dân xã Kim Chính",
        short_name: "UBND",
        level: "commune",
        email: "kimchinh.kimson@ninhbinh.gov.vn",
        address: "Xã Kim Chính, huyện Kim Sơn",
    },
];

/// The province's code: the agency `kyso office init` would create.
pub const PROVINCE: &str = "000.00.00.H45";
/// The Department of Science and Technology (the certificate service).
pub const DOST: &str = "000.00.02.H45";

/// One role of a person: (agency code, role code, position, authority).
pub type RoleSeed = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

pub struct PersonSeed {
    pub username: &'static str,
    pub full_name: &'static str,
    pub roles: &'static [RoleSeed],
}

const TM_UBND: Option<&str> = Some("TM. ỦY BAN NHÂN DÂN");

/// The first account (created by the bootstrap): the department
/// administrator of the Department of Science and Technology.
pub const ADMIN: PersonSeed = PersonSeed {
    username: "quantri",
    full_name: "Đinh Văn Quang",
    roles: &[
        (PROVINCE, "dept_admin", None, None),
        (
            DOST,
            "dept_admin",
            Some("Trưởng phòng Công nghệ thông tin"),
            None,
        ),
    ],
};

/// Everyone else.
pub const PEOPLE: &[PersonSeed] = &[
    // UBND tỉnh.
    PersonSeed {
        username: "chutich",
        full_name: "Nguyễn Văn An",
        roles: &[
            (PROVINCE, "approver", Some("Chủ tịch"), TM_UBND),
            (PROVINCE, "head", Some("Chủ tịch"), None),
        ],
    },
    PersonSeed {
        username: "phochutich",
        full_name: "Trần Thị Bích Hạnh",
        roles: &[(
            PROVINCE,
            "approver",
            Some("Phó Chủ tịch"),
            Some("KT. CHỦ TỊCH"),
        )],
    },
    PersonSeed {
        username: "chuyenvien",
        full_name: "Lê Minh Tuấn",
        roles: &[(PROVINCE, "drafter", Some("Chuyên viên"), None)],
    },
    PersonSeed {
        username: "vanthu",
        full_name: "Phạm Thị Thu",
        roles: &[(PROVINCE, "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "cntt",
        full_name: "Vũ Đức Thắng",
        roles: &[(
            PROVINCE,
            "it_officer",
            Some("Cán bộ công nghệ thông tin"),
            None,
        )],
    },
    PersonSeed {
        username: "kiemtra",
        full_name: "Hoàng Thị Lan",
        roles: &[(PROVINCE, "auditor", Some("Thanh tra viên"), None)],
    },
    // Văn phòng UBND tỉnh.
    PersonSeed {
        username: "chanhvanphong",
        full_name: "Đỗ Quốc Việt",
        roles: &[
            ("000.00.01.H45", "approver", Some("Chánh Văn phòng"), None),
            ("000.00.01.H45", "head", Some("Chánh Văn phòng"), None),
        ],
    },
    PersonSeed {
        username: "vanthu.vp",
        full_name: "Bùi Thị Ngọc",
        roles: &[("000.00.01.H45", "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "chuyenvien.vp",
        full_name: "Ngô Thanh Sơn",
        roles: &[("000.00.01.H45", "drafter", Some("Chuyên viên"), None)],
    },
    // Sở Khoa học và Công nghệ.
    PersonSeed {
        username: "giamdoc.skhcn",
        full_name: "Mai Xuân Trường",
        roles: &[
            (DOST, "approver", Some("Giám đốc"), None),
            (DOST, "head", Some("Giám đốc"), None),
        ],
    },
    PersonSeed {
        username: "vanthu.skhcn",
        full_name: "Trịnh Thị Hoa",
        roles: &[(DOST, "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "chuyenvien.skhcn",
        full_name: "Đặng Văn Khoa",
        roles: &[(DOST, "drafter", Some("Chuyên viên"), None)],
    },
    PersonSeed {
        username: "ca.skhcn",
        full_name: "Lương Thị Mai",
        roles: &[(
            DOST,
            "ca_operator",
            Some("Cán bộ quản lý chứng thư số"),
            None,
        )],
    },
    PersonSeed {
        username: "cntt.skhcn",
        full_name: "Tạ Quang Huy",
        roles: &[(DOST, "it_officer", Some("Cán bộ công nghệ thông tin"), None)],
    },
    // Sở Tài chính.
    PersonSeed {
        username: "giamdoc.stc",
        full_name: "Phan Văn Hùng",
        roles: &[
            ("000.00.03.H45", "approver", Some("Giám đốc"), None),
            ("000.00.03.H45", "head", Some("Giám đốc"), None),
        ],
    },
    PersonSeed {
        username: "vanthu.stc",
        full_name: "Nguyễn Thị Yến",
        roles: &[("000.00.03.H45", "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "chuyenvien.stc",
        full_name: "Lại Văn Đông",
        roles: &[("000.00.03.H45", "drafter", Some("Chuyên viên"), None)],
    },
    // Sở Nội vụ.
    PersonSeed {
        username: "giamdoc.snv",
        full_name: "Cao Thị Phương",
        roles: &[
            ("000.00.04.H45", "approver", Some("Giám đốc"), None),
            ("000.00.04.H45", "head", Some("Giám đốc"), None),
        ],
    },
    PersonSeed {
        username: "vanthu.snv",
        full_name: "Đinh Thị Hằng",
        roles: &[("000.00.04.H45", "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "chuyenvien.snv",
        full_name: "Vương Đình Nam",
        roles: &[("000.00.04.H45", "drafter", Some("Chuyên viên"), None)],
    },
    // Huyện Gia Viễn.
    PersonSeed {
        username: "chutich.giavien",
        full_name: "Tống Văn Lực",
        roles: &[
            ("000.10.00.H45", "approver", Some("Chủ tịch"), TM_UBND),
            ("000.10.00.H45", "head", Some("Chủ tịch"), None),
        ],
    },
    PersonSeed {
        username: "vanthu.giavien",
        full_name: "Lã Thị Huyền",
        roles: &[("000.10.00.H45", "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "chuyenvien.giavien",
        full_name: "Đoàn Minh Đức",
        roles: &[("000.10.00.H45", "drafter", Some("Chuyên viên"), None)],
    },
    PersonSeed {
        username: "chutich.giavan",
        full_name: "Quách Văn Tiến",
        roles: &[("000.10.01.H45", "head", Some("Chủ tịch"), None)],
    },
    PersonSeed {
        username: "vanthu.giavan",
        full_name: "Hà Thị Nhung",
        roles: &[("000.10.01.H45", "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "chutich.giahoa",
        full_name: "Lưu Văn Thành",
        roles: &[("000.10.02.H45", "head", Some("Chủ tịch"), None)],
    },
    PersonSeed {
        username: "vanthu.giahoa",
        full_name: "Kiều Thị Vân",
        roles: &[("000.10.02.H45", "clerk", Some("Văn thư"), None)],
    },
    // Huyện Kim Sơn.
    PersonSeed {
        username: "chutich.kimson",
        full_name: "Phạm Đức Thịnh",
        roles: &[
            ("000.20.00.H45", "approver", Some("Chủ tịch"), TM_UBND),
            ("000.20.00.H45", "head", Some("Chủ tịch"), None),
        ],
    },
    PersonSeed {
        username: "vanthu.kimson",
        full_name: "Trần Thị Duyên",
        roles: &[("000.20.00.H45", "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "chuyenvien.kimson",
        full_name: "Nguyễn Hữu Phúc",
        roles: &[("000.20.00.H45", "drafter", Some("Chuyên viên"), None)],
    },
    PersonSeed {
        username: "chutich.phatdiem",
        full_name: "Vũ Văn Khải",
        roles: &[("000.20.01.H45", "head", Some("Chủ tịch"), None)],
    },
    PersonSeed {
        username: "vanthu.phatdiem",
        full_name: "Đỗ Thị Thanh",
        roles: &[("000.20.01.H45", "clerk", Some("Văn thư"), None)],
    },
    PersonSeed {
        username: "chutich.kimchinh",
        full_name: "Bùi Văn Cường",
        roles: &[("000.20.02.H45", "head", Some("Chủ tịch"), None)],
    },
    PersonSeed {
        username: "vanthu.kimchinh",
        full_name: "Mai Thị Hương",
        roles: &[("000.20.02.H45", "clerk", Some("Văn thư"), None)],
    },
];
