"""Typed stub of the extension module ``kaitsu._native`` (Rust, PyO3).

Not a public API: use the functions of ``kaitsu``. Records cross the
boundary as JSON lines, byte for byte those of ``kaitsu parse --format
ndjson``.
"""

from typing import Iterator, List, Optional, Tuple, Union

__version__: str

class Parser:
    def __init__(
        self,
        *,
        passwords: List[str],
        reveal_secrets: bool,
        today: Optional[Tuple[int, int, int]],
        policy_yaml: Optional[str],
        timeout: Optional[float],
        jobs: int,
    ) -> None: ...
    def parse(self, source: Union[str, bytes]) -> str: ...
    def parse_many(self, sources: List[Union[str, bytes]]) -> RecordStream: ...

class RecordStream(Iterator[str]):
    def __iter__(self) -> RecordStream: ...
    def __next__(self) -> str: ...
    def __len__(self) -> int: ...

def check_password(
    password: str,
    *,
    user_id: Optional[str],
    notice: Optional[Union[str, bytes]],
    passwords: List[str],
) -> List[Tuple[str, str]]: ...
def schema() -> str: ...
def default_policy() -> str: ...
