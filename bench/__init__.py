"""``make bench``: measure the targets of PRODUCT.md section 9 against a real gunicorn server."""
