"""The hand-check samples: from the wanted blocks, every type, seen lines left out."""

import pytest

from experiments.__main__ import main

LINE = (
    "１９９８年/t  １月/t  ，/w  ５０亿/m  元/q  和/c  第一/m  次/q  "
    "７２/m  个/q  国家/n\n"
)


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "pku.txt"
    # Ten articles of four lines: each block of the split gets whole ones.
    path.write_text(LINE * 400, encoding="utf-8")
    return path


def test_value_sample_draws_every_type_from_the_train_block(corpus, capsys):
    assert (
        main(["value-sample", str(corpus), "--per-type", "2", "--splits", "train"]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        f"{label}: {n} mentions"
        for label, n in [
            ("CARDINAL", 320),
            ("DATE", 320),
            ("MONEY", 320),
            ("ORDINAL", 320),
        ]
    ]
    rows = [row.split("\t") for row in out if row.count("\t") == 4]
    assert [row[1] for row in rows] == ["CARDINAL"] * 2 + ["DATE"] * 2 + [
        "MONEY"
    ] * 2 + ["ORDINAL"] * 2
    assert {row[2] for row in rows} == {"７２", "１９９８年１月", "５０亿元", "第一"}


def test_value_sample_leaves_out_earlier_lines(corpus, tmp_path, capsys):
    seen = tmp_path / "seen.txt"
    seen.write_text("\n".join(str(i) for i in range(300)) + "\n", encoding="utf-8")
    main(["value-sample", str(corpus), "--per-type", "1", "--exclude", str(seen)])
    out = capsys.readouterr().out.splitlines()
    # Ten sections of 40 lines, each 32 train, 4 dev and 4 test: of lines 300-399,
    # 12 + 4 of the eighth section and 36 of each of the last two are train or dev.
    assert out[0] == "CARDINAL: 88 mentions"
    rows = [row.split("\t") for row in out if row.count("\t") == 4]
    assert all(int(row[4]) >= 300 for row in rows)
