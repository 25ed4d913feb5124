-- Which committee level may give each award kind (issue 17 item 4), postgres dialect.
-- docs/EMULATION.md ("Who gives what") explains the defaults and what is unconfirmed.
-- `org_kind` is the kind of the deciding unit (domain::OrgKind: provincial,
-- directly_affiliated, grassroots); a kind with no row is not limited. `basis` names the
-- source a row follows; `confirmed` is false where RULES.md marks the rule unconfirmed,
-- so the page shows which limits are the province's own choice to review. Edited on
-- /award-kinds by a provincial administrator (audited, entity `award_kind`).
CREATE TABLE award_kind_levels (
    award_kind TEXT NOT NULL REFERENCES award_kinds (code),
    org_kind   TEXT NOT NULL,
    basis      TEXT NOT NULL,
    confirmed  BOOLEAN NOT NULL,
    PRIMARY KEY (award_kind, org_kind)
);
INSERT INTO award_kind_levels (award_kind, org_kind, basis, confirmed) VALUES
    ('co_thi_dua_tinh', 'provincial', 'Cờ thi đua của Tỉnh ủy: tên của hình thức', TRUE),
    ('bang_khen_tinh', 'provincial', 'HD 01-HD/TW 2021, mục 19: Bằng khen của Ban Thường vụ Tỉnh ủy', TRUE),
    ('giay_khen', 'directly_affiliated', 'HD 01-HD/TW 2021, mục 19: Giấy khen của Ban Thường vụ cấp huyện', TRUE),
    ('giay_khen', 'grassroots', 'HD 01-HD/TW 2021, mục 19: Giấy khen của đảng ủy cơ sở', TRUE),
    ('tap_the_lao_dong_xuat_sac', 'provincial', 'Luật TĐKT 2022: danh sách của Chủ tịch UBND tỉnh', FALSE),
    ('tap_the_lao_dong_tien_tien', 'directly_affiliated', 'Luật TĐKT 2022, Điều 80: thủ trưởng đơn vị cơ sở; áp cho cấp ủy là cách hiểu của hệ thống', FALSE),
    ('tap_the_lao_dong_tien_tien', 'grassroots', 'Luật TĐKT 2022, Điều 80: thủ trưởng đơn vị cơ sở; áp cho cấp ủy là cách hiểu của hệ thống', FALSE),
    ('chien_si_thi_dua_co_so', 'directly_affiliated', 'Luật TĐKT 2022, Điều 80: thủ trưởng đơn vị cơ sở; áp cho cấp ủy là cách hiểu của hệ thống', FALSE),
    ('chien_si_thi_dua_co_so', 'grassroots', 'Luật TĐKT 2022, Điều 80: thủ trưởng đơn vị cơ sở; áp cho cấp ủy là cách hiểu của hệ thống', FALSE),
    ('lao_dong_tien_tien', 'directly_affiliated', 'Luật TĐKT 2022, Điều 80: thủ trưởng đơn vị cơ sở; áp cho cấp ủy là cách hiểu của hệ thống', FALSE),
    ('lao_dong_tien_tien', 'grassroots', 'Luật TĐKT 2022, Điều 80: Chủ tịch UBND cấp xã, thủ trưởng đơn vị cơ sở; áp cho cấp ủy là cách hiểu của hệ thống', FALSE);
