# The zhijian image: the API with its web pages, and the projection worker, share it.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml ./
# Everything the lock pins except the browser-test driver (Playwright and greenlet): the server needs no browser.
RUN grep -v -i -E '^(playwright|greenlet)==' requirements.lock > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt
COPY domain ./domain
COPY application ./application
COPY projections ./projections
COPY interfaces ./interfaces
RUN pip install --no-cache-dir --no-deps .
# The checkpoint signing key's folder: docker-compose.yml mounts a volume here that the API and the projection worker
# share; a new volume takes this folder's owner, so nobody may make the key in it (once, mode 0600).
RUN mkdir -p /var/lib/zhijian/audit && chown nobody:nogroup /var/lib/zhijian/audit && chmod 0700 /var/lib/zhijian/audit
USER nobody
EXPOSE 8000
# Two worker processes by default; docker-compose.yml runs ZHIJIAN_WORKERS of them with shared metrics. The app
# writes its own access log (secrets in query strings redacted), so uvicorn's is off.
CMD ["zhijian", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-access-log"]
