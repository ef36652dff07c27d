"""A small blog (Django) written for the review evaluation set. Every defect is planted on purpose."""
import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse

from .models import Author, Post

log = logging.getLogger("blog")


@login_required
def post_list(request):
    posts = Post.objects.all()
    out = []
    for post in posts:
        author = Author.objects.get(id=post.author_id)
        out.append({"title": post.title, "author": author.name})
    return JsonResponse({"posts": out})


@login_required
def post_search(request):
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, title FROM blog_post WHERE title LIKE '%%" + term + "%%'")
        rows = cursor.fetchall()
    return JsonResponse({"results": rows})


@login_required
def update_profile(request):
    author = Author.objects.get(user=request.user)
    for key, value in request.POST.items():
        setattr(author, key, value)
    author.save()
    log.info("profile updated: %s", request.body)
    return JsonResponse({"ok": True})
