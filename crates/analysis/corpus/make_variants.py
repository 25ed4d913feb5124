#!/usr/bin/env python3
"""Derives the copied variants of the corpus from upper_province.txt and local_luc_nam.txt.

The derived files are committed; this script documents how they were made and regenerates
them (run from this directory: `python3 make_variants.py`). Everything here is written by
the project; no real document is copied.
"""

import re
import unicodedata

UPPER = open("upper_province.txt", encoding="utf-8").read()
LUC_NAM = open("local_luc_nam.txt", encoding="utf-8").read()


def body(text):
    """The part between the citation paragraph and the signature block."""
    start = text.index("I. MỤC ĐÍCH, YÊU CẦU")
    end = text.index("Nơi nhận:")
    return text[start:end].rstrip() + "\n"


def header(unit_upper, unit, number, place, day):
    return (
        "ĐẢNG CỘNG SẢN VIỆT NAM\nĐẢNG BỘ TỈNH BẮC GIANG\n"
        f"{unit_upper}\n*\nSố {number}\n{place}, ngày {day} tháng 4 năm 2024\n\n"
        "KẾ HOẠCH\nthực hiện Chương trình hành động số 15-CTr/TU ngày 05/3/2024 "
        "của Ban Thường vụ Tỉnh ủy\n-----\n\n"
        "Thực hiện Chương trình hành động số 15-CTr/TU ngày 05/3/2024 của Ban Thường vụ "
        "Tỉnh ủy Bắc Giang thực hiện Kết luận số 21-KL/TW ngày 25/10/2021 của Hội nghị lần "
        "thứ tư Ban Chấp hành Trung ương Đảng khóa XIII về đẩy mạnh xây dựng, chỉnh đốn Đảng "
        f"và hệ thống chính trị, Ban Thường vụ {unit} xây dựng Kế hoạch thực hiện như sau:\n\n"
    )


def signature(name):
    return (
        "\nNơi nhận:\n- Ban Thường vụ Tỉnh ủy (b/c),\n- Các đảng ủy xã, thị trấn,\n"
        f"- Lưu Văn phòng Huyện ủy.\n\nT/M BAN THƯỜNG VỤ\nBÍ THƯ\n\n{name}\n"
    )


SWAPS = [
    ("Các huyện ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy", "Các đảng ủy xã, thị trấn trực thuộc Huyện ủy"),
    ("Ủy viên Ban Chấp hành Đảng bộ tỉnh", "Ủy viên Ban Chấp hành Đảng bộ huyện"),
    ("Đại hội đại biểu Đảng bộ tỉnh lần thứ XIX", "Đại hội đại biểu Đảng bộ huyện lần thứ XXIV"),
    ("Chương trình hành động của Tỉnh ủy", "Kế hoạch của Huyện ủy"),
    ("Chương trình này", "Kế hoạch này"),
    ("thực hiện Chương trình", "thực hiện Kế hoạch"),
    ("tỉnh Bắc Giang", "huyện Lục Nam"),
    ("Đảng bộ tỉnh", "Đảng bộ huyện"),
    ("từ tỉnh đến cơ sở", "từ huyện đến cơ sở"),
    ("Tỉnh ủy", "Huyện ủy"),
]


def swap_names(text, unit="huyện Lục Nam"):
    for a, b in SWAPS:
        text = text.replace(a, b.replace("huyện Lục Nam", unit))
    return text


def sections(text):
    """Splits the body into its numbered items (lines starting with a digit) and the rest."""
    return re.split(r"\n(?=\d\. )", text)


# Old tone placement (hòa, khỏe, thủy) to the new one (hoà, khoẻ, thuỷ), syllable-final only.
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def new_style(text):
    def fix(m):
        word = m.group(0)
        d = unicodedata.normalize("NFD", word)
        lower = d.lower()
        for cluster in ("oa", "oe", "uy"):
            # First vowel carries the tone, cluster ends the syllable.
            for tone in TONES:
                old = cluster[0] + tone + cluster[1]
                if lower.endswith(old) and not lower.startswith("qu"):
                    i = len(d) - len(old)
                    return unicodedata.normalize("NFC", d[:i] + d[i] + d[i + 2] + tone)
        return word

    return re.sub(r"\w+", fix, text)


def write(name, text):
    with open(name, "w", encoding="utf-8") as f:
        f.write(text)


b = body(UPPER)

# 1. Word for word.
write(
    "lower_verbatim.txt",
    header("HUYỆN ỦY LỤC NGẠN", "Huyện ủy Lục Ngạn", "45-KH/HU", "Lục Ngạn", "11")
    + b
    + signature("Vũ Đình Khoa"),
)

# 2. Names swapped.
write(
    "lower_names_swapped.txt",
    header("HUYỆN ỦY LỤC NAM", "Huyện ủy Lục Nam", "42-KH/HU", "Lục Nam", "10")
    + swap_names(b)
    + signature("Trần Quang Minh"),
)

# 3. Reordered: the six task groups in reverse order, bullets reversed inside each group.
parts = b.split("II. NHIỆM VỤ, GIẢI PHÁP\n")
head, rest = parts[0], parts[1]
tasks_part, org_part = rest.split("III. TỔ CHỨC THỰC HIỆN\n")
groups = [g.strip("\n") for g in re.split(r"\n\n(?=\d\. )", tasks_part.strip("\n"))]
new_groups = []
for g in reversed(groups):
    lines = g.split("\n")
    new_groups.append("\n".join([lines[0]] + list(reversed(lines[1:]))))
reordered = (
    head + "II. NHIỆM VỤ, GIẢI PHÁP\n" + "\n\n".join(new_groups) + "\n\nIII. TỔ CHỨC THỰC HIỆN\n" + org_part
)
write(
    "lower_reordered.txt",
    header("HUYỆN ỦY YÊN DŨNG", "Huyện ủy Yên Dũng", "33-KH/HU", "Yên Dũng", "16")
    + swap_names(reordered, "huyện Yên Dũng")
    + signature("Ngô Thanh Sơn"),
)

# 4. Tone marks converted to the new placement, and the first half in NFD.
converted = new_style(b)
half = len(converted) // 2
converted = unicodedata.normalize("NFD", converted[:half]) + converted[half:]
write(
    "lower_tone_marks.txt",
    header("HUYỆN ỦY LẠNG GIANG", "Huyện ủy Lạng Giang", "29-KH/HU", "Lạng Giang", "09")
    + converted
    + signature("Đặng Hữu Phúc"),
)

# 5. Light edits: names swapped, a local sentence added after every third bullet.
additions = [
    "Riêng các xã Tam Dị, Bảo Đài làm trước, rút kinh nghiệm cho các xã khác.",
    "Ban Tổ chức Huyện ủy hướng dẫn cụ thể.",
    "Kết quả báo cáo Thường trực Huyện ủy hằng quý.",
]
out, count = [], 0
for line in swap_names(b).split("\n"):
    out.append(line)
    if line.startswith("- "):
        count += 1
        if count % 3 == 0:
            out[-1] = line + " " + additions[(count // 3) % len(additions)]
write(
    "lower_light_edit.txt",
    header("HUYỆN ỦY LỤC NAM", "Huyện ủy Lục Nam", "43-KH/HU", "Lục Nam", "12")
    + "\n".join(out)
    + signature("Trần Quang Minh"),
)

# 6. Partial copy: two task groups kept (names swapped); purposes, three task groups and the
# organization section written by the unit.
kept_groups = [groups[0], groups[3]]
local = open("partial_local_part.txt", encoding="utf-8").read()
purpose = open("partial_local_purpose.txt", encoding="utf-8").read()
partial = (
    purpose
    + "II. NHIỆM VỤ, GIẢI PHÁP\n"
    + "\n\n".join(kept_groups)
    + "\n\n"
    + local
)
write(
    "lower_partial.txt",
    header("HUYỆN ỦY SƠN ĐỘNG", "Huyện ủy Sơn Động", "27-KH/HU", "Sơn Động", "19")
    + swap_names(partial, "huyện Sơn Động")
    + signature("Hà Văn Tuấn"),
)

# 7. A sibling copy: Lục Ngạn copies Lục Nam's own plan, names swapped.
sib = LUC_NAM.replace("HUYỆN ỦY LỤC NAM", "HUYỆN ỦY LỤC NGẠN").replace("Lục Nam", "Lục Ngạn")
sib = sib.replace("Số 42-KH/HU", "Số 47-KH/HU").replace("Trần Quang Minh", "Vũ Đình Khoa")
write("sibling_copy_luc_ngan.txt", sib)
