"""Render functions the screens share (tables, a line in detail, a commitment's actions); not pages
themselves: the menu in streamlit_app.py lists the pages explicitly."""
