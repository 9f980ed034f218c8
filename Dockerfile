# StreamHub: build with the .NET 10 SDK, run on the ASP.NET Core 10 runtime image.
# Build and run: docker compose up --build   (see docker-compose.yml)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# npm fetches hls.js for the player page at build time (it is not committed).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY StreamHub.sln appsettings.json ./
COPY src/StreamHub/StreamHub.csproj src/StreamHub/
RUN dotnet restore src/StreamHub/StreamHub.csproj
COPY wwwroot/package.json wwwroot/package-lock.json wwwroot/
RUN cd wwwroot && npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN dotnet publish src/StreamHub/StreamHub.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# The data directory holds the SQLite database, the generated admin key and the generated certificate.
RUN mkdir -p /data && chown app:app /data
ENV StreamHub__DataDirectory=/data
VOLUME ["/data"]
# RTMP ingest, HTTP (HLS, API, RTMP fallback), HTTPS (HLS, API, dashboard)
EXPOSE 1935 80 443
# The image's non-root user; docker-compose.yml lets it bind 80/443 (net.ipv4.ip_unprivileged_port_start=0).
USER app
ENTRYPOINT ["dotnet", "StreamHub.dll"]
