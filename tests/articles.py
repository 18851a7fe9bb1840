"""Write small test articles: one Markdown file with front matter and paragraphs."""

from pathlib import Path


def write_article(folder: Path, name: str, title: str, *paragraphs: str) -> Path:
    """Write ``<name>.md`` in ``folder`` with a title, a fixed date and the paragraphs; return its path."""
    path = folder / f"{name}.md"
    path.write_text(f"---\ntitle: {title}\ndate: 2024-05-01\n---\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    return path
