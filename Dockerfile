# The zhijian image: the API and the projection worker share it.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY domain ./domain
COPY application ./application
COPY projections ./projections
COPY interfaces ./interfaces
RUN pip install --no-cache-dir --no-deps .
USER nobody
EXPOSE 8000
CMD ["zhijian", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
