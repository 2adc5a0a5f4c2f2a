"""Stories: one news event told by many outlets, grouped as articles arrive.

Pure Python with no Django import. `clustering.StoryClusterer` assigns each new article to a
story of the last 72 hours or starts one; `features` reads an article with the Arabic toolkit.
What counts as one story: docs/stories-guideline.md.
"""

from .clustering import ArticleRecord, Assignment, Settings, Story, StoryClusterer

__all__ = ["ArticleRecord", "Assignment", "Settings", "Story", "StoryClusterer"]
