//! Realistic Vietnamese personal names, weighted by how common each family name is, with
//! the family names typical of Bắc Giang (Thân, Giáp) present.

use domain::Gender;
use rand::Rng;

/// (family name, weight in tenths of a percent).
const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 50),
    ("Vũ", 39),
    ("Phan", 30),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Ngô", 13),
    ("Dương", 10),
    ("Thân", 10),
    ("Giáp", 8),
    ("Hà", 8),
    ("Đinh", 8),
    ("Lương", 6),
    ("Chu", 5),
    ("Tạ", 5),
    ("Lý", 5),
    ("Trịnh", 5),
    ("Đào", 5),
    ("Mai", 4),
    ("Vương", 3),
    ("Lăng", 2),
];

const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Trọng", "Thanh", "Công", "Mạnh",
    "Tiến",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Hồng", "Thuỳ", "Phương", "Kim",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Anh", "Bình", "Chiến", "Cường", "Dũng", "Đạt", "Điệp", "Định", "Đức", "Giang", "Hải",
    "Hiếu", "Hòa", "Hoàng", "Hùng", "Huy", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lực", "Mạnh",
    "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tâm", "Thắng", "Thành", "Thịnh",
    "Tiến", "Toàn", "Trung", "Tú", "Tuấn", "Tùng", "Việt", "Vinh", "Vượng",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Ánh", "Bích", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
    "Huệ", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "Nga", "Ngân", "Ngọc",
    "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo", "Thủy", "Thư", "Trang", "Tuyết", "Vân",
    "Yến",
];

fn pick<'a, R: Rng>(rng: &mut R, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

/// A random gender, with women at about a third of party members.
pub fn gender<R: Rng>(rng: &mut R) -> Gender {
    if rng.random_range(0..100) < 36 {
        Gender::Female
    } else {
        Gender::Male
    }
}

/// A full name such as "Nguyễn Văn Hùng" or "Thân Thị Hương".
pub fn full_name<R: Rng>(rng: &mut R, g: Gender) -> String {
    let total: u32 = FAMILY.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    let mut family = FAMILY[0].0;
    for (name, w) in FAMILY {
        if x < *w {
            family = name;
            break;
        }
        x -= w;
    }
    let (middle, given) = match g {
        Gender::Male => (pick(rng, MIDDLE_MALE), pick(rng, GIVEN_MALE)),
        Gender::Female => (pick(rng, MIDDLE_FEMALE), pick(rng, GIVEN_FEMALE)),
    };
    format!("{family} {middle} {given}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn names_are_deterministic_and_three_words() {
        let mut a = StdRng::seed_from_u64(7);
        let mut b = StdRng::seed_from_u64(7);
        for _ in 0..100 {
            let g = gender(&mut a);
            assert_eq!(g, gender(&mut b));
            let n = full_name(&mut a, g);
            assert_eq!(n, full_name(&mut b, g));
            assert_eq!(n.split(' ').count(), 3, "{n}");
        }
    }
}
