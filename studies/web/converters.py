from studies import validators


class StudyIdConverter:
    regex = validators.STUDY_ID_PATTERN  # what is_study_id accepts, and only that

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
