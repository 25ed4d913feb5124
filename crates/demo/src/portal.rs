//! The demo's public portal (issue 14, docs/PORTAL.md): the province's news, written like
//! a provincial party committee's own site — a dozen published articles in five
//! categories (the party-building article on bringing resolutions into life among them),
//! one scheduled for tomorrow and one draft on the editor's desk; readers' feedback in
//! every state (waiting, published, answered, hidden with a reason); some view counts;
//! and resolution 05-NQ/TU marked public with its summary.

use domain::portal::{Moderation, check_article, check_feedback};
use domain::{DocumentId, Principal};
use store::{NewFeedback, Org, Store, ViewKey};
use time::{Date, Duration, OffsetDateTime, Time};

/// One article: (title, category, author, days before today it was published, lead,
/// body in Markdown, views).
type Story = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    &'static str,
    u32,
);

/// The party-building article (the one the demo's feedback is on).
pub const PARTY_BUILDING_TITLE: &str =
    "Đưa nghị quyết của Đảng vào cuộc sống: bắt đầu từ chương trình hành động sát thực tế";

const PARTY_BUILDING_BODY: &str = "\
Học tập, quán triệt nghị quyết mới là bước đầu; nghị quyết chỉ thật sự đi vào cuộc sống \
khi mỗi cấp ủy cụ thể hóa thành những việc làm rõ người, rõ việc, rõ thời gian, rõ trách \
nhiệm và rõ kết quả.

## Không sao chép nghị quyết của cấp trên

Qua kiểm tra của Ban Thường vụ Tỉnh ủy, chương trình hành động của một số nơi còn chung \
chung, lặp lại nội dung nghị quyết của cấp trên, chỉ thay tên địa phương. Những chương \
trình như vậy khó giao việc, khó kiểm tra và càng khó đánh giá kết quả.

Ngược lại, Huyện ủy Lục Nam chọn những việc gắn với điểm nóng của địa phương: đối thoại \
với các hộ dân có đơn thư về bồi thường đất, phát triển chi bộ ở các thôn còn sinh hoạt \
ghép, giữ liên lạc với đảng viên đi làm ăn xa. Mỗi việc có cơ quan chủ trì, thời hạn và \
sản phẩm cụ thể.

## Lấy ý kiến trước khi ban hành

Dự thảo chương trình của Lục Nam được lấy ý kiến đảng viên, chuyên gia và nhân dân. Mọi \
ý kiến đều được trả lời: tiếp thu, tiếp thu một phần, hoặc giải trình lý do chưa tiếp thu. \
Báo cáo tiếp thu, giải trình được gửi kèm khi trình Ban Thường vụ ban hành.

## Kiểm tra, giám sát và sơ kết thực chất

Theo đồng chí Phó Chánh Văn phòng Tỉnh ủy, việc theo dõi tiến độ từng nhiệm vụ trên phần \
mềm giúp cấp ủy cấp trên thấy ngay việc nào chậm, việc nào đã có kết quả kèm minh chứng. \
Kết quả học tập và thực hiện nghị quyết là căn cứ quan trọng để đánh giá, xếp loại tổ chức \
đảng và đảng viên hằng năm.

> Nghị quyết đi vào cuộc sống khi người dân thấy được sự thay đổi ở thôn, xóm của mình.
";

const STORIES: &[Story] = &[
    (
        PARTY_BUILDING_TITLE,
        "Xây dựng Đảng",
        "Minh Hà",
        2,
        "Mỗi chương trình hành động phải trả lời được: ai làm, làm gì, đến khi nào và kết quả \
         ra sao. Kinh nghiệm từ Huyện ủy Lục Nam cho thấy cách làm cụ thể giúp nghị quyết đến \
         được với từng chi bộ, từng người dân.",
        PARTY_BUILDING_BODY,
        96,
    ),
    (
        "Hội nghị Ban Chấp hành Đảng bộ tỉnh đánh giá kết quả thực hiện nhiệm vụ quý III",
        "Thời sự",
        "Thu Trang",
        1,
        "Hội nghị đánh giá kết quả lãnh đạo thực hiện nhiệm vụ chính trị quý III, thảo luận \
         các giải pháp trọng tâm những tháng cuối năm.",
        "Sáng nay, Ban Chấp hành Đảng bộ tỉnh tổ chức hội nghị đánh giá kết quả lãnh đạo thực \
         hiện nhiệm vụ chính trị quý III.\n\nHội nghị thống nhất tập trung đẩy nhanh giải ngân \
         vốn đầu tư công, hoàn thành các chương trình hành động thực hiện Nghị quyết số \
         05-NQ/TU và chuẩn bị sơ kết một năm thực hiện.",
        41,
    ),
    (
        "Ủy ban Kiểm tra Tỉnh ủy giám sát việc thực hiện Nghị quyết số 05-NQ/TU",
        "Xây dựng Đảng",
        "Quang Huy",
        7,
        "Đoàn giám sát làm việc với Ban Thường vụ các huyện ủy về việc xây dựng và thực hiện \
         chương trình hành động.",
        "Đoàn giám sát của Ủy ban Kiểm tra Tỉnh ủy đã làm việc với Ban Thường vụ Huyện ủy Lục \
         Ngạn và Huyện ủy Yên Thế.\n\nĐoàn đề nghị các huyện ủy rà soát những nhiệm vụ còn \
         chung chung, bổ sung người chịu trách nhiệm và thời hạn hoàn thành; báo cáo kết quả \
         khắc phục trước ngày 15 của tháng sau.",
        63,
    ),
    (
        "Xuất khẩu nông sản chủ lực của tỉnh tăng khá so với cùng kỳ",
        "Kinh tế",
        "Hồng Nhung",
        5,
        "Vải thiều, na và mật ong rừng tiếp tục là những sản phẩm xuất khẩu chủ lực; nhiều \
         hợp tác xã đã có mã số vùng trồng.",
        "Theo Sở Công Thương, giá trị xuất khẩu nông sản chủ lực của tỉnh tăng khá so với cùng \
         kỳ năm trước.\n\nCác hợp tác xã tại Lục Ngạn, Lục Nam, Tân Yên được hướng dẫn cấp mã \
         số vùng trồng, truy xuất nguồn gốc và bán hàng trên sàn thương mại điện tử.",
        35,
    ),
    (
        "Khai giảng lớp bồi dưỡng lý luận chính trị cho cấp ủy viên cơ sở",
        "Xây dựng Đảng",
        "Minh Hà",
        10,
        "Hơn 120 học viên là cấp ủy viên cơ sở tham gia lớp bồi dưỡng tại Trường Chính trị \
         tỉnh.",
        "Lớp học trang bị kiến thức lý luận chính trị, nghiệp vụ công tác đảng và kỹ năng xây \
         dựng chương trình hành động sát với thực tiễn địa phương.\n\nHọc viên được trao đổi \
         kinh nghiệm, đi thực tế tại các chi bộ làm tốt công tác học tập, quán triệt nghị \
         quyết.",
        22,
    ),
    (
        "Tân Yên phát triển đảng viên ở các thôn chưa có chi bộ",
        "Xây dựng Đảng",
        "Ngọc Anh",
        12,
        "Mỗi đảng viên được phân công giúp đỡ một quần chúng ưu tú; nhiều thôn đã đủ điều kiện \
         thành lập chi bộ độc lập.",
        "Đảng ủy các xã có thôn chưa có chi bộ lập danh sách quần chúng ưu tú, phân công đảng \
         viên giúp đỡ và theo dõi hằng quý.\n\nTừ đầu năm, huyện đã kết nạp thêm nhiều đảng \
         viên là đoàn viên thanh niên, người làm kinh tế giỏi ở thôn.",
        18,
    ),
    (
        "Khu công nghiệp Quang Châu thu hút thêm ba dự án mới",
        "Kinh tế",
        "Đức Long",
        14,
        "Ba dự án sản xuất linh kiện điện tử được cấp chứng nhận đầu tư, dự kiến tạo việc làm \
         cho hơn 2.000 lao động.",
        "Ban Quản lý các khu công nghiệp tỉnh trao chứng nhận đầu tư cho ba dự án tại Khu công \
         nghiệp Quang Châu.\n\nTỉnh yêu cầu các chủ đầu tư ưu tiên tuyển dụng lao động địa \
         phương và bảo đảm các điều kiện về môi trường.",
        27,
    ),
    (
        "Ngày hội văn hóa các dân tộc huyện Sơn Động",
        "Văn hóa – Xã hội",
        "Thanh Hương",
        16,
        "Ngày hội giới thiệu nét đẹp văn hóa của đồng bào Tày, Nùng, Dao, Sán Chay với nhiều \
         hoạt động thể thao, ẩm thực truyền thống.",
        "Ngày hội thu hút đông đảo nhân dân và du khách.\n\nCác đội văn nghệ của 17 xã, thị \
         trấn biểu diễn hát then, sli, soóng cô; các gian hàng giới thiệu sản phẩm OCOP của \
         địa phương.",
        15,
    ),
    (
        "Diễn tập khu vực phòng thủ huyện Lạng Giang đạt kết quả tốt",
        "Quốc phòng – An ninh",
        "Văn Thắng",
        20,
        "Cuộc diễn tập giúp nâng cao năng lực lãnh đạo, chỉ đạo của cấp ủy, chính quyền trong \
         xử lý các tình huống.",
        "Cuộc diễn tập được tổ chức đúng kế hoạch, bảo đảm an toàn tuyệt đối.\n\nBan Chỉ huy \
         diễn tập đánh giá các lực lượng phối hợp chặt chẽ, xử lý tình huống linh hoạt, sát \
         với thực tế địa bàn.",
        12,
    ),
    (
        "Trao Huy hiệu 50 năm tuổi Đảng cho đảng viên lão thành",
        "Xây dựng Đảng",
        "Thu Trang",
        22,
        "Các đồng chí lãnh đạo tỉnh thăm hỏi, trao Huy hiệu Đảng cho các đảng viên lão thành \
         tại thành phố Bắc Giang.",
        "Tại buổi lễ, đồng chí Phó Bí thư Tỉnh ủy chúc mừng các đảng viên được nhận Huy hiệu \
         Đảng.\n\nCác đảng viên lão thành bày tỏ niềm vinh dự, tự hào và hứa tiếp tục gương \
         mẫu, tham gia sinh hoạt chi bộ đầy đủ.",
        9,
    ),
    (
        "Đảng ủy xã Cẩm Lý thí điểm lấy ý kiến trưởng thôn khi đánh giá đảng viên",
        "Xây dựng Đảng",
        "Ngọc Anh",
        25,
        "Phiếu đánh giá đảng viên có thêm ý kiến của trưởng thôn và chi hội trưởng phụ nữ, \
         giúp việc đánh giá sát thực tế hơn.",
        "Việc thí điểm được triển khai tại 5 chi bộ thôn.\n\nSau một năm, Đảng ủy xã sẽ rút \
         kinh nghiệm trước khi đề nghị Huyện ủy Lục Nam mở rộng ra toàn huyện.",
        11,
    ),
    (
        "Lục Nam lấy ý kiến đảng viên, chuyên gia và nhân dân vào dự thảo chương trình hành động",
        "Xây dựng Đảng",
        "Văn Thắng",
        40,
        "Dự thảo chương trình hành động thực hiện Nghị quyết số 05-NQ/TU được công khai để lấy \
         ý kiến trong hai tuần.",
        "Huyện ủy Lục Nam mời hai chuyên gia của Trường Chính trị tỉnh và Viện Nghiên cứu phát \
         triển kinh tế – xã hội góp ý vào dự thảo.\n\nĐảng viên góp ý qua tài khoản của mình; \
         người dân góp ý trên trang công khai của dự thảo. Mọi ý kiến sẽ được trả lời trong \
         báo cáo tiếp thu, giải trình.",
        7,
    ),
];

/// Feedback on the party-building article: (name, contact, text, what the editor did).
fn feedback() -> Vec<(&'static str, &'static str, &'static str, Option<Moderation>)> {
    vec![
        (
            "Nguyễn Thị Hoa",
            "0904 123 456",
            "Bài viết rất thiết thực. Chi bộ thôn tôi cũng đang xây dựng kế hoạch, mong có \
             thêm mẫu chương trình hành động để tham khảo.",
            Some(Moderation::Answer {
                answer: "Cảm ơn bạn đọc. Mẫu chương trình hành động và hướng dẫn \"5 rõ\" đã \
                         được gửi về các đảng ủy xã; chi bộ có thể liên hệ Văn phòng Đảng ủy \
                         xã để nhận."
                    .into(),
            }),
        ),
        (
            "Trần Văn Nam",
            "nam.tv@example.vn",
            "Đồng tình với việc lấy ý kiến nhân dân trước khi ban hành. Đề nghị các huyện \
             khác cũng làm như Lục Nam.",
            Some(Moderation::Publish),
        ),
        (
            "Lê Minh",
            "0915 678 910",
            "Xin hỏi báo cáo tiếp thu, giải trình có được công khai cho người dân đã góp ý \
             xem không?",
            None,
        ),
        (
            "Vũ Thị Thanh",
            "0968 222 333",
            "Mong tỉnh có thêm bài viết về kết quả cụ thể sau khi thực hiện chương trình.",
            None,
        ),
        (
            "Người đọc",
            "0999 999 999",
            "Nội dung không liên quan, lời lẽ thiếu văn hóa.",
            Some(Moderation::Hide {
                reason: "Lời lẽ không phù hợp, không liên quan đến nội dung bài viết.".into(),
            }),
        ),
    ]
}

/// 08:30 in Vietnam on a day.
fn morning(d: Date) -> OffsetDateTime {
    OffsetDateTime::new_utc(d, Time::from_hms(1, 30, 0).expect("a valid time"))
}

/// Loads the portal of the province `root`; `doc` is the resolution marked public.
/// Returns the number of public articles.
pub async fn load(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    doc: DocumentId,
    today: Date,
) -> store::Result<usize> {
    let anon = Principal::anonymous();
    let mut views = Vec::new();
    let mut party_building = None;
    for (title, category, author, days, lead, body, seen) in STORIES {
        let text = check_article(title, lead, body, author, category)?;
        let a = store.create_article(p, root.id, text).await?;
        let at = morning(today - Duration::days(*days));
        store.publish_article(p, a.id, None, at).await?;
        for v in 0..*seen {
            views.push(ViewKey {
                article_id: a.id,
                key: format!("demo-{}-{v}", a.id),
            });
        }
        if *title == PARTY_BUILDING_TITLE {
            party_building = Some((a.id, at));
        }
    }
    // One scheduled for tomorrow morning, one draft.
    let scheduled = store
        .create_article(
            p,
            root.id,
            check_article(
                "Kỷ niệm ngày thành lập Đảng bộ tỉnh",
                "Các hoạt động kỷ niệm được tổ chức trang trọng, thiết thực tại các đảng bộ \
                 trực thuộc.",
                "Ban Tuyên giáo Tỉnh ủy hướng dẫn các đảng bộ trực thuộc tổ chức các hoạt \
                 động kỷ niệm gắn với học tập, làm theo tư tưởng, đạo đức, phong cách Hồ Chí \
                 Minh.",
                "Ban Biên tập",
                "Thời sự",
            )?,
        )
        .await?;
    store
        .publish_article(
            p,
            scheduled.id,
            Some(morning(today + Duration::days(1))),
            OffsetDateTime::now_utc(),
        )
        .await?;
    store
        .create_article(
            p,
            root.id,
            check_article(
                "Bản tin công tác xây dựng Đảng tuần này (bản nháp)",
                "Tóm tắt các hoạt động nổi bật trong tuần của các đảng bộ trực thuộc.",
                "Đang tổng hợp tin từ các đảng bộ trực thuộc.",
                "",
                "Xây dựng Đảng",
            )?,
        )
        .await?;
    store.count_views(views, today).await?;

    if let Some((id, at)) = party_building {
        for (i, (name, contact, body, m)) in feedback().into_iter().enumerate() {
            let f = store
                .send_feedback(
                    &anon,
                    id,
                    NewFeedback {
                        text: check_feedback(name, contact, body)?,
                        address_key: format!("demo-reader-{i}"),
                    },
                    at + Duration::hours(2 + i as i64 * 3),
                )
                .await?;
            if let Some(m) = m {
                store.moderate_feedback(p, f.id, m).await?;
            }
        }
    }

    store
        .set_document_public(
            p,
            doc,
            Some(
                "Nghị quyết nêu năm nhóm giải pháp nâng cao hiệu quả học tập, quán triệt và tổ \
                 chức thực hiện nghị quyết của Đảng: trách nhiệm người đứng đầu, đổi mới hình \
                 thức học tập, bồi dưỡng cấp ủy viên, chương trình hành động sát thực tế và \
                 tăng cường kiểm tra, giám sát. Trang này công khai tiến độ thực hiện của các \
                 đảng bộ trực thuộc."
                    .into(),
            ),
        )
        .await?;
    Ok(STORIES.len())
}

/// The party-building article's picture: a 480×240 banner in the party's red with a gold
/// band, as a PNG written by hand (stored deflate blocks; no image crate for one picture).
pub fn banner_png() -> Vec<u8> {
    const W: usize = 480;
    const H: usize = 240;
    let mut raw = Vec::with_capacity(H * (1 + 3 * W));
    for y in 0..H {
        raw.push(0); // no filter
        for x in 0..W {
            let band = (100..140).contains(&y);
            let star = {
                let (dx, dy) = (x as i64 - 80, y as i64 - 120);
                dx * dx + dy * dy < 30 * 30
            };
            raw.extend_from_slice(if band || star {
                &[0xF5, 0xC5, 0x18]
            } else {
                &[0xB7, 0x1C, 0x1C]
            });
        }
    }
    // zlib: header, stored blocks of at most 65,535 bytes, Adler-32.
    let mut z = vec![0x78, 0x01];
    let mut chunks = raw.chunks(65_535).peekable();
    while let Some(c) = chunks.next() {
        z.push(u8::from(chunks.peek().is_none()));
        let n = c.len() as u16;
        z.extend_from_slice(&n.to_le_bytes());
        z.extend_from_slice(&(!n).to_le_bytes());
        z.extend_from_slice(c);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&(W as u32).to_be_bytes());
    ihdr.extend_from_slice(&(H as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", z), (b"IEND", Vec::new())] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(&data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// Adds [`banner_png`] (kept by `keep`) to the party-building article of the province
/// `root` and shows it under the lead. Returns whether it did.
pub async fn attach_picture(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    keep: crate::files::Keep<'_>,
) -> store::Result<bool> {
    let desk = store.portal_desk(p, root.id).await?;
    let Some(a) = desk
        .articles
        .iter()
        .find(|a| a.title == PARTY_BUILDING_TITLE)
    else {
        return Ok(false);
    };
    let meta = keep("hoi-nghi-quan-triet.png", banner_png())
        .map_err(|e| store::StoreError::backend(format!("demo file: {e}")))?;
    let img = store.add_article_image(p, a.id, meta).await?;
    let body = format!(
        "![Hội nghị quán triệt, triển khai Nghị quyết số 05-NQ/TU](/news-images/{})\n\n{}",
        img.id, a.body_md
    );
    let text = check_article(
        &a.title,
        &a.lead,
        &body,
        a.author.as_deref().unwrap_or(""),
        &a.category,
    )?;
    store.edit_article(p, a.id, text).await?;
    Ok(true)
}
