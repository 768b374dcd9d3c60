"""Vietnamese and English texts of the ledger: messages and screen labels, looked up by key.

Vietnamese is the default language; English is the switch. A missing English text falls back to
Vietnamese, a missing key shows the key itself (visible in tests, never a crash).
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

MESSAGES: dict[str, dict[str, str]] = {
    # --- amounts, dates, codes -------------------------------------------------------------
    "amount.required": {"vi": "Chưa nhập số tiền.", "en": "The amount is missing."},
    "amount.not_integer": {
        "vi": "Số tiền phải là số nguyên đồng (giá trị đã nhập: {value}).",
        "en": "The amount must be a whole number of đồng (value given: {value}).",
    },
    "amount.fractional": {
        "vi": "Số tiền không được có phần lẻ dưới một đồng (giá trị đã nhập: {value}).",
        "en": "The amount may not have a fraction of a đồng (value given: {value}).",
    },
    "amount.negative": {
        "vi": "Số tiền không được âm (giá trị đã nhập: {value}).",
        "en": "The amount may not be negative (value given: {value}).",
    },
    "amount.zero": {"vi": "Số tiền điều chỉnh phải khác 0.", "en": "The adjustment amount must not be zero."},
    "amount.too_large": {
        "vi": "Số tiền {value} vượt quá giới hạn {limit} đ.",
        "en": "The amount {value} exceeds the limit of {limit} đ.",
    },
    "date.required": {"vi": "Chưa nhập ngày.", "en": "The date is missing."},
    "date.invalid": {
        "vi": "Ngày không hợp lệ, cần dạng dd/mm/yyyy (giá trị đã nhập: {value}).",
        "en": "Invalid date, expected dd/mm/yyyy (value given: {value}).",
    },
    "date.outside_year": {
        "vi": "Ngày {date} không thuộc năm ngân sách {year}.",
        "en": "The date {date} is not in fiscal year {year}.",
    },
    "date.future": {
        "vi": "Ngày {date} ở tương lai.",
        "en": "The date {date} is in the future.",
    },
    "year.invalid": {
        "vi": "Năm phải là số có bốn chữ số (giá trị đã nhập: {value}).",
        "en": "The year must have four digits (value given: {value}).",
    },
    "year.unknown": {
        "vi": "Năm ngân sách {year} chưa được mở trong hệ thống.",
        "en": "Fiscal year {year} has not been opened in the ledger.",
    },
    "year.closed": {
        "vi": "Năm ngân sách {year} đã khóa sổ.",
        "en": "Fiscal year {year} is closed.",
    },
    "year.exists": {"vi": "Năm ngân sách {year} đã có.", "en": "Fiscal year {year} already exists."},
    "code.unknown": {
        "vi": "Mã {what} không có trong danh mục: {value}.",
        "en": "Unknown {what} code: {value}.",
    },
    "text.required": {"vi": "Chưa nhập {what}.", "en": "The {what} is missing."},
    "text.too_long": {
        "vi": "{what} dài quá {limit} ký tự.",
        "en": "The {what} is longer than {limit} characters.",
    },
    "code.format": {
        "vi": "{what} chỉ gồm chữ không dấu, số, '-', '_', '.', '/' và tối đa {limit} ký tự (giá trị đã nhập: {value}).",
        "en": "The {what} may hold only letters, digits, '-', '_', '.', '/' and at most {limit} characters (value given: {value}).",
    },
    "sector.format": {
        "vi": "Loại-Khoản phải có dạng 3 chữ số-3 chữ số, ví dụ 160-171 (giá trị đã nhập: {value}).",
        "en": "The sector code must look like 3 digits-3 digits, e.g. 160-171 (value given: {value}).",
    },
    "sector.unknown": {
        "vi": "Loại-Khoản {value} không có trong Mục lục NSNN năm {year}.",
        "en": "Sector code {value} is not in the {year} budget classification.",
    },
    "sub_item.format": {
        "vi": "Tiểu mục phải gồm 4 chữ số (giá trị đã nhập: {value}).",
        "en": "The sub-item must have 4 digits (value given: {value}).",
    },
    "sub_item.unknown": {
        "vi": "Tiểu mục {value} không có trong Mục lục NSNN năm {year}.",
        "en": "Sub-item {value} is not in the {year} budget classification.",
    },
    "chapter.format": {
        "vi": "Mã chương phải gồm 3 chữ số: 001–399 (trung ương) hoặc 400–599 (địa phương) (giá trị đã nhập: {value}).",
        "en": "The chapter code must be 3 digits: 001–399 (central) or 400–599 (local) (value given: {value}).",
    },
    # --- units, users, policies ----------------------------------------------------------
    "unit.unknown": {"vi": "Không có đơn vị mã {value}.", "en": "There is no unit with code {value}."},
    "unit.exists": {"vi": "Đã có đơn vị mã {value}.", "en": "A unit with code {value} already exists."},
    "unit.kind": {"vi": "Loại đơn vị không hợp lệ: {value}.", "en": "Invalid unit type: {value}."},
    "unit.cycle": {
        "vi": "Đơn vị cấp trên không thể là chính nó hoặc một đơn vị trực thuộc nó.",
        "en": "A unit's parent cannot be itself or one of its subordinate units.",
    },
    "unit.control": {
        "vi": "Chế độ kiểm soát cam kết phải là 'block' hoặc 'warn'.",
        "en": "Commitment control must be 'block' or 'warn'.",
    },
    "unit.xhh_control": {
        "vi": "Chế độ kiểm soát chi nguồn xã hội hóa phải là 'block' hoặc 'warn'.",
        "en": "XHH spending control must be 'block' or 'warn'.",
    },
    "unit.advance_pct": {
        "vi": "Tỷ lệ tạm ứng tối đa phải từ 0 đến 100%.",
        "en": "The advance limit must be between 0 and 100%.",
    },
    "user.exists": {"vi": "Tên đăng nhập {value} đã có.", "en": "The username {value} is taken."},
    "user.unknown": {"vi": "Không có người dùng {value}.", "en": "There is no user {value}."},
    "user.role": {
        "vi": "Vai trò không hợp lệ: {value} (admin, officer, leader, auditor).",
        "en": "Invalid role: {value} (admin, officer, leader, auditor).",
    },
    "user.unit_required": {
        "vi": "Người dùng vai trò {role} phải thuộc một đơn vị.",
        "en": "A user with role {role} must belong to a unit.",
    },
    "user.username": {
        "vi": "Tên đăng nhập chỉ gồm chữ thường không dấu, số, '.', '_' và '-' (3–64 ký tự).",
        "en": "A username holds only lowercase letters, digits, '.', '_' and '-' (3–64 characters).",
    },
    "user.password_short": {
        "vi": "Mật khẩu phải có ít nhất {limit} ký tự.",
        "en": "The password must have at least {limit} characters.",
    },
    "user.last_admin": {
        "vi": "Không thể khóa hoặc hạ quyền quản trị viên cuối cùng.",
        "en": "The last active administrator cannot be deactivated or demoted.",
    },
    "policy.exists": {"vi": "Đã có chính sách mã {value}.", "en": "A policy with code {value} already exists."},
    "policy.unknown": {"vi": "Không có chính sách {value}.", "en": "There is no policy {value}."},
    # --- sign-in and permissions -----------------------------------------------------------
    "auth.failed": {
        "vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "en": "Wrong username or password.",
    },
    "auth.setup_done": {
        "vi": "Hệ thống đã có quản trị viên.",
        "en": "The ledger already has an administrator.",
    },
    "perm.read_only": {
        "vi": "Vai trò {role} chỉ được xem, không được ghi sổ.",
        "en": "The {role} role may read but not write.",
    },
    "perm.outside_unit": {
        "vi": "Bạn chỉ được ghi sổ cho đơn vị {own} và các đơn vị trực thuộc; {unit} nằm ngoài phạm vi đó.",
        "en": "You may write only for {own} and its subordinate units; {unit} is outside that scope.",
    },
    "perm.admin_only": {
        "vi": "Chỉ quản trị viên được làm việc này.",
        "en": "Only an administrator may do this.",
    },
    "perm.admin_no_ledger": {
        "vi": "Quản trị viên quản lý người dùng và danh mục, không ghi sổ ngân sách.",
        "en": "Administrators manage users and catalogues; they do not post to the ledger.",
    },
    "perm.inactive": {"vi": "Tài khoản đã bị khóa.", "en": "The account is deactivated."},
    # --- sign-in hardening, single sign-on, own password ----------------------------------
    "auth.sso_no_identity": {
        "vi": "Nhà cung cấp đăng nhập một lần (SSO) không gửi địa chỉ email hay tên đăng nhập nào.",
        "en": "The single sign-on provider sent no email address or username.",
    },
    "auth.sso_unknown": {
        "vi": "Tài khoản SSO {subject} chưa được gắn với người dùng nào của sổ ngân sách;"
        " đề nghị quản trị viên gắn tài khoản này (mục Người dùng, trường \"Tài khoản SSO\").",
        "en": "The single sign-on account {subject} is not linked to any user of the ledger;"
        " ask an administrator to link it (Users, field \"SSO account\").",
    },
    "auth.sso_inactive": {
        "vi": "Người dùng gắn với tài khoản SSO {subject} đã bị khóa.",
        "en": "The user linked to the single sign-on account {subject} is deactivated.",
    },
    "user.old_password": {
        "vi": "Mật khẩu hiện tại không đúng.",
        "en": "The current password is wrong.",
    },
    "user.password_same": {
        "vi": "Mật khẩu mới phải khác mật khẩu hiện tại.",
        "en": "The new password must differ from the current one.",
    },
    "user.locked": {
        "vi": "Tài khoản đang tạm khóa vì nhập sai mật khẩu nhiều lần; thử lại sau {minutes} phút hoặc nhờ quản trị viên mở khóa.",
        "en": "The account is locked after repeated wrong passwords; try again in {minutes} minutes or ask an administrator to unlock it.",
    },
    "user.not_locked": {
        "vi": "Người dùng {value} không bị tạm khóa.",
        "en": "The user {value} is not locked.",
    },
    "user.sso_taken": {
        "vi": "Tài khoản SSO {value} đã gắn với người dùng {user}.",
        "en": "The single sign-on account {value} is already linked to the user {user}.",
    },
    "user.sso_format": {
        "vi": "Tài khoản SSO dài tối đa 255 ký tự, không có khoảng trắng (giá trị đã nhập: {value}).",
        "en": "An SSO account has at most 255 characters and no spaces (value given: {value}).",
    },
    # --- the database itself -----------------------------------------------------------------
    "db.unavailable": {
        "vi": "Không kết nối được cơ sở dữ liệu (máy chủ không trả lời hoặc kết nối bị ngắt); chưa có gì được ghi."
        " Hãy thử lại sau ít phút; nếu vẫn lỗi, báo quản trị viên.",
        "en": "The database cannot be reached (the server did not answer or the connection was lost); nothing was"
        " written. Try again in a few minutes; if it persists, tell an administrator.",
    },
    "db.full": {
        "vi": "Cơ sở dữ liệu hết dung lượng lưu trữ (đĩa đầy); chưa có gì được ghi. Báo quản trị viên.",
        "en": "The database has run out of storage (disk full); nothing was written. Tell an administrator.",
    },
    "db.busy": {
        "vi": "Cơ sở dữ liệu đang bận quá lâu với một thao tác ghi khác; chưa có gì được ghi. Hãy thử lại.",
        "en": "The database stayed busy with another write for too long; nothing was written. Try again.",
    },
    "db.schema": {
        "vi": "Cấu trúc cơ sở dữ liệu không khớp phiên bản phần mềm; quản trị viên cần chạy `python -m ledger init`.",
        "en": "The database schema does not match this version of the software; an administrator must run"
        " `python -m ledger init`.",
    },
    "db.read_only": {
        "vi": "Cơ sở dữ liệu chỉ cho phép đọc (quyền ghi tệp hoặc chế độ bảo trì); chưa có gì được ghi. Báo quản trị viên.",
        "en": "The database is read-only (file permissions or maintenance); nothing was written. Tell an administrator.",
    },
    # --- budget lines and adjustments -----------------------------------------------------
    "line.exists": {
        "vi": "Mã dòng {code} đã có trong năm {year}.",
        "en": "Line code {code} already exists in {year}.",
    },
    "line.unknown": {"vi": "Không có dòng dự toán {value}.", "en": "There is no budget line {value}."},
    "line.below_used": {
        "vi": "Dòng {line}: dự toán sau điều chỉnh {allocated} đ thấp hơn số đã cam kết và chi {used} đ.",
        "en": "Line {line}: the allocation after adjustment, {allocated} đ, is below what is committed and paid, {used} đ.",
    },
    "line.below_zero": {
        "vi": "Dòng {line}: điều chỉnh {amount} đ làm dự toán còn {allocated} đ, âm.",
        "en": "Line {line}: adjusting by {amount} đ would leave an allocation of {allocated} đ, below zero.",
    },
    "adjustment.decision_required": {
        "vi": "Điều chỉnh dự toán phải có số quyết định.",
        "en": "An adjustment needs a decision number.",
    },
    "adjustment.unknown": {"vi": "Không có điều chỉnh {value}.", "en": "There is no adjustment {value}."},
    "adjustment.already_reversed": {
        "vi": "Điều chỉnh này đã được đảo trước đó.",
        "en": "This adjustment has already been reversed.",
    },
    "adjustment.is_reversal": {
        "vi": "Không đảo một bút toán đảo; hãy nhập điều chỉnh mới.",
        "en": "A reversal cannot be reversed; enter a new adjustment instead.",
    },
    "transfer.same_line": {
        "vi": "Dòng chuyển đi và dòng nhận phải khác nhau.",
        "en": "The source and target lines must differ.",
    },
    "transfer.year": {
        "vi": "Chỉ điều chuyển giữa các dòng cùng năm ngân sách.",
        "en": "Transfers are only between lines of the same fiscal year.",
    },
    "transfer.source": {
        "vi": "Không điều chuyển giữa nguồn {a} và nguồn {b}: nguồn XHH tách riêng với NSNN.",
        "en": "No transfer between source {a} and source {b}: XHH money stays apart from NSNN.",
    },
    "transfer.positive": {
        "vi": "Số tiền điều chuyển phải lớn hơn 0.",
        "en": "The transfer amount must be above zero.",
    },
    "demo.not_empty": {
        "vi": "Cơ sở dữ liệu đã có dữ liệu; chỉ nạp dữ liệu mẫu vào cơ sở dữ liệu trống.",
        "en": "The database is not empty; the demo loads only into an empty database.",
    },
    # --- commitments, acceptances, payments ----------------------------------------------
    "press.exists": {"vi": "Đã có cơ quan báo chí mã {value}.", "en": "A press agency with code {value} already exists."},
    "press.unknown": {"vi": "Không có cơ quan báo chí mã {value}.", "en": "There is no press agency with code {value}."},
    "line.other_year": {"vi": "Dòng {line} không thuộc năm {year}.", "en": "Line {line} is not in year {year}."},
    "commit.over_available": {
        "vi": "Dòng {line}: dự toán còn được sử dụng {available} đ, không đủ cho số tiền {amount} đ.",
        "en": "Line {line}: the available balance is {available} đ, not enough for the {amount} đ asked.",
    },
    "xhh.over_contributions": {
        "vi": "Dòng XHH {line}: đã nhận tài trợ {received} đ, đã chi {paid} đ; không đủ để chi thêm {amount} đ.",
        "en": "XHH line {line}: {received} đ received, {paid} đ spent; not enough to spend {amount} đ more.",
    },
    "commitment.unknown": {"vi": "Không có hợp đồng/khóa học {value}.", "en": "There is no contract or course {value}."},
    "commitment.exists": {
        "vi": "Số hợp đồng/mã khóa {value} đã có trong năm {year}.",
        "en": "Contract no./course code {value} already exists in {year}.",
    },
    "commitment.stale": {
        "vi": "{reference} vừa được người khác sửa (phiên bản {by}); hãy tải lại và nhập lại thay đổi.",
        "en": "{reference} was just changed by someone else (version {by}); reload it and enter your change again.",
    },
    "commitment.wrong_category": {
        "vi": "Dòng {line} không thuộc nhóm chi {category}.",
        "en": "Line {line} is not of category {category}.",
    },
    "commitment.not_draft": {
        "vi": "{reference} không còn ở trạng thái dự thảo.",
        "en": "{reference} is no longer a draft.",
    },
    "commitment.not_signed": {
        "vi": "{reference} chưa ký hoặc đã kết thúc; chỉ thanh lý hợp đồng đã ký.",
        "en": "{reference} is not signed or already ended; only a signed contract can be closed out.",
    },
    "commitment.cannot_cancel": {
        "vi": "Không hủy được {reference} ở trạng thái {status}.",
        "en": "{reference} cannot be cancelled in status {status}.",
    },
    "commitment.has_activity": {
        "vi": "{reference} đã có nghiệm thu hoặc thanh toán; hãy đảo các bút toán đó trước khi hủy.",
        "en": "{reference} has acceptances or payments; reverse them before cancelling.",
    },
    "commitment.advance_uncleared": {
        "vi": "{reference}: đã chi {paid} đ nhưng mới nghiệm thu {accepted} đ; tạm ứng chưa được thanh toán hết, chưa thể thanh lý.",
        "en": "{reference}: {paid} đ paid but only {accepted} đ accepted; advances are not cleared, so it cannot be closed out.",
    },
    "order.value_mismatch": {
        "vi": "Giá trị {value} đ khác tổng thành tiền các sản phẩm {items} đ.",
        "en": "The value {value} đ differs from the items' total {items} đ.",
    },
    "item.quantity": {
        "vi": "Sản phẩm thứ {number}: số lượng phải là số nguyên dương (giá trị đã nhập: {value}).",
        "en": "Item {number}: the quantity must be a positive whole number (value given: {value}).",
    },
    "dates.order": {"vi": "Ngày kết thúc trước ngày bắt đầu.", "en": "The end date is before the start date."},
    "course.participants": {
        "vi": "Số học viên phải là số nguyên dương (giá trị đã nhập: {value}).",
        "en": "Participants must be a positive whole number (value given: {value}).",
    },
    "it.term_outside_year": {
        "vi": "Thời hạn hợp đồng không có ngày nào trong năm {year}.",
        "en": "The contract term has no day in {year}.",
    },
    "acceptance.zero": {"vi": "Giá trị nghiệm thu phải lớn hơn 0.", "en": "The accepted value must be above zero."},
    "acceptance.status": {
        "vi": "Chỉ nghiệm thu hợp đồng đã ký; {reference} đang ở trạng thái {status}.",
        "en": "Only a signed contract can be accepted; {reference} is {status}.",
    },
    "acceptance.before_signing": {
        "vi": "Ngày nghiệm thu {date} trước ngày ký {signed}.",
        "en": "The acceptance date {date} is before the signing date {signed}.",
    },
    "acceptance.exists": {"vi": "Biên bản {value} đã được ghi.", "en": "Record {value} is already posted."},
    "acceptance.over_value": {
        "vi": "{reference}: giá trị {value} đ, đã nghiệm thu {accepted} đ; nghiệm thu thêm {amount} đ sẽ vượt giá trị hợp đồng.",
        "en": "{reference}: value {value} đ, {accepted} đ accepted; accepting {amount} đ more would exceed the value.",
    },
    "acceptance.unknown": {"vi": "Không có biên bản nghiệm thu {value}.", "en": "There is no acceptance {value}."},
    "acceptance.paid_beyond": {
        "vi": "{reference}: số đã thanh toán sẽ vượt số nghiệm thu; hãy đảo thanh toán trước.",
        "en": "{reference}: the amount paid would exceed the amount accepted; reverse the payment first.",
    },
    "reversal.done": {
        "vi": "Bút toán này đã được đảo, hoặc chính nó là bút toán đảo.",
        "en": "This entry is already reversed, or is itself a reversal.",
    },
    "amount.zero_payment": {"vi": "Số tiền phải lớn hơn 0.", "en": "The amount must be above zero."},
    "contribution.not_xhh": {
        "vi": "Dòng {line} không phải nguồn xã hội hóa (XHH).",
        "en": "Line {line} is not a socialised (XHH) line.",
    },
    "contribution.unknown": {"vi": "Không có chứng từ tài trợ {value}.", "en": "There is no contribution {value}."},
    "voucher.exists": {
        "vi": "Số chứng từ {value} đã có trong năm {year}.",
        "en": "Voucher no. {value} already exists in {year}.",
    },
    "payment.unknown": {"vi": "Không có chứng từ thanh toán {value}.", "en": "There is no payment {value}."},
    "payment.line_mismatch": {
        "vi": "Dòng {line} khác dòng của {reference}.",
        "en": "Line {line} is not the line of {reference}.",
    },
    "payment.advance_needs_commitment": {
        "vi": "Tạm ứng phải gắn với một hợp đồng hoặc khóa học.",
        "en": "An advance must be against a contract or a course.",
    },
    "payment.status": {
        "vi": "Không thanh toán cho {reference} ở trạng thái {status}.",
        "en": "Nothing can be paid on {reference} while it is {status}.",
    },
    "payment.advance_limit": {
        "vi": "{reference}: tạm ứng tối đa {percent}% giá trị = {limit} đ; đã tạm ứng {advanced} đ, không thể tạm ứng thêm {amount} đ.",
        "en": "{reference}: advances are limited to {percent}% of the value = {limit} đ; {advanced} đ advanced, {amount} đ more is not allowed.",
    },
    "payment.before_acceptance": {
        "vi": "{reference} chưa được nghiệm thu: chỉ được tạm ứng trước nghiệm thu.",
        "en": "{reference} has not been accepted: only advances may be paid before acceptance.",
    },
    "payment.over_accepted": {
        "vi": "{reference}: đã nghiệm thu {accepted} đ, đã chi {paid} đ (kể cả tạm ứng); không thể thanh toán thêm {amount} đ.",
        "en": "{reference}: {accepted} đ accepted, {paid} đ paid (advances included); {amount} đ more cannot be paid.",
    },
}


# Field names passed as ``what=`` are written in Vietnamese by the services; their English names.
FIELD_NAMES_EN = {
    "biểu đồ": "chart",
    "giai đoạn": "stage",
    "loại dịch vụ": "service type",
    "loại hình": "media type",
    "loại thanh toán": "payment kind",
    "lý do": "reason",
    "mã chính sách": "policy code",
    "mã cơ quan báo chí": "press agency code",
    "mã dòng": "line code",
    "mã đơn vị": "unit code",
    "mã khóa": "course code",
    "minh chứng": "evidence",
    "nguồn": "source",
    "nhà cung cấp": "vendor",
    "nhà tài trợ": "donor",
    "nhóm chi": "category",
    "nội dung": "description",
    "sản phẩm": "product",
    "số biên bản": "record no.",
    "số chứng từ": "voucher no.",
    "số hợp đồng": "contract no.",
    "số quyết định": "decision no.",
    "tên chính sách": "policy name",
    "tên cơ quan báo chí": "press agency name",
    "tên đơn vị": "unit name",
    "tên khóa": "course title",
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text for ``key`` in ``lang``, with ``params`` filled in."""
    if lang == "en" and isinstance(params.get("what"), str):
        params["what"] = FIELD_NAMES_EN.get(params["what"], params["what"])
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
