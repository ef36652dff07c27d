"""A small notes app (Flask) written for the review evaluation set. Every defect is planted on purpose."""
import logging
import sqlite3
import traceback

import requests
from flask import Flask, jsonify, request
from flask_login import login_required

app = Flask(__name__)
app.config["SECRET_KEY"] = "8c1f0e9a7b3d5c2e4f6a8b0c1d3e5f7a9b2c4d6e"
log = logging.getLogger("notes")


def db():
    return sqlite3.connect("notes.db")


@app.route("/notes", methods=["POST"])
def create_note():
    data = request.get_json()
    log.info("creating note for %s", data["email"])
    cur = db().cursor()
    cur.execute("INSERT INTO notes (title, body) VALUES ('%s', '%s')" % (data["title"], data["body"]))
    return jsonify({"ok": True})


@app.route("/notes/<int:note_id>", methods=["GET"])
@login_required
def get_note(note_id):
    try:
        row = db().execute("SELECT title, body FROM notes WHERE id = ?", (note_id,)).fetchone()
        return jsonify({"title": row[0], "body": row[1]})
    except Exception:
        return jsonify({"error": traceback.format_exc()}), 500


@app.route("/notes/<int:note_id>/import", methods=["POST"])
@login_required
def import_note(note_id):
    source = request.args.get("source")
    body = requests.get(source).text
    db().execute("UPDATE notes SET body = ? WHERE id = ?", (body, note_id))
    return jsonify({"ok": True})


@app.route("/notes/<int:note_id>", methods=["DELETE"])
def delete_note(note_id):
    db().execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return "", 204


if __name__ == "__main__":
    app.run(debug=True)
