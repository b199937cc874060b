from matcher.foundation.text import normalize, segment, tokens


def test_full_width_and_case_are_normalized() -> None:
    assert normalize("  ＷＥＬＤＥＲ（高级）") == "welder(高级)"


def test_segmentation_splits_chinese_words_and_drops_punctuation() -> None:
    words = tokens("电焊工（包吃住），持特种作业操作证")
    assert "电焊工" in words
    assert "特种" in words
    assert not any(w in words for w in ("（", "）", "，"))


def test_segment_joins_several_texts_with_spaces() -> None:
    assert segment("焊工", "", "Welder") == "焊工 welder"
