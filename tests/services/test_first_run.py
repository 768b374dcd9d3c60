"""A safe first run and passwords people choose (issue 10, items 7 and 8): the set-up code printed
by ``python -m ledger init`` is required to create the first administrator from the screen, and a
password has at least 12 characters and is not a common one (OWASP ASVS 2.1.1, 2.1.7).

On the code before issue 10 anyone reaching the address could make themselves administrator, and
a 4-character password was accepted.
"""

from __future__ import annotations

import re

import pytest
from ledger_testkit import keys, refused, rows

from ledger.cli import main
from ledger.domain.errors import ValidationError
from ledger.domain.passwords import common_passwords
from ledger.services import setup
from ledger.services.users import bootstrap_admin, change_password, create_user, reset_password, sign_in


def test_init_prints_a_one_time_code_that_the_setup_needs(db, db_url, capsys):
    assert main(["--db", db_url, "--lang", "vi", "init"]) == 0
    printed = capsys.readouterr().out
    found = re.search(r"Mã khởi tạo .*: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", printed)
    assert found, printed
    first = found.group(1)
    assert main(["--db", db_url, "init"]) == 0  # a new init replaces the code
    second = re.search(r"([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", capsys.readouterr().out).group(1)
    for wrong in ("", "AAAA-BBBB-CCCC", first):
        error = refused(db, ValidationError, bootstrap_admin, db, "quantri", "mat-khau-dai-so-1", setup_code=wrong)
        assert keys(error) == {"setup.code_wrong"}
    bootstrap_admin(db, "quantri", "mat-khau-dai-so-1", setup_code=second.replace("-", " ").lower())
    assert rows(db, "SELECT COUNT(*) FROM setup_codes")[0][0] == 0
    assert main(["--db", db_url, "init"]) == 0
    assert "XXXX" not in capsys.readouterr().out and setup.issue(db) is None  # someone can sign in: no code any more


def test_without_an_issued_code_the_screen_path_is_refused(db):
    error = refused(db, ValidationError, bootstrap_admin, db, "quantri", "mat-khau-dai-so-1", setup_code="ABCD-EFGH-JKLM")
    assert keys(error) == {"setup.no_code"}


@pytest.mark.parametrize(
    ("password", "key"),
    [("demo", "user.password_short"), ("mat-khau-11", "user.password_short"), ("Password1234", "user.password_common"),
     ("matkhau123456", "user.password_common"), ("aaaaaaaaaaaaaa", "user.password_common"), ("officer-ketoan.moi", "user.password_common")],
)
def test_a_short_or_common_password_is_refused(demo_db, actors, password, key):
    admin = actors["admin"]
    error = refused(demo_db, ValidationError, create_user, demo_db, admin, "ketoan.moi", "officer", password, unit_code="BYT-TT")
    assert keys(error) == {key}
    assert keys(refused(demo_db, ValidationError, reset_password, demo_db, admin, "officer", password)) == {key}


def test_a_long_uncommon_password_is_taken_and_demo_accounts_keep_theirs(demo_db, actors):
    admin = actors["admin"]
    create_user(demo_db, admin, "ketoan.moi", "officer", "sông Hồng mùa lũ", unit_code="BYT-TT")
    assert sign_in(demo_db, "ketoan.moi", "sông Hồng mùa lũ").username == "ketoan.moi"
    assert sign_in(demo_db, "officer", "demo").username == "officer"  # demo accounts are exempt (documented)
    with pytest.raises(ValidationError) as info:
        change_password(demo_db, actors["officer"], "demo", "12345678")
    assert keys(info.value) == {"user.password_short"}
    assert len(common_passwords()) >= 50
