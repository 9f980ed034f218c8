using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using StreamHub.Hls;
using StreamHub.Hosting;

namespace StreamHub.Cluster;

/// <summary><c>StreamHub:Cluster:PlaybackMode=Proxy</c>: this node answers HLS requests for a stream live on another
/// node by fetching them from that node's public URL. Answers the origin marks immutable (segments, parts, init
/// segments) are kept in memory until the byte budget evicts them, least recently used first; playlists are kept for
/// their max-age (blocking reloads' answers a few seconds, live playlists not at all). Requests for the same URL
/// while it is being fetched wait for that one fetch, so an edge asks the origin once per segment whatever its number
/// of viewers, and once per distinct blocking-reload query. The origin is asked with one pooled HttpClient; a
/// connection that cannot be made within the connect timeout is a 502, an answer that does not come within the origin
/// timeout a 504.</summary>
public sealed class EdgeCache : IDisposable
{
    private readonly ConcurrentDictionary<string, EdgeEntry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<EdgeEntry>> _fetching = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private readonly HttpClient _client;
    private readonly ClusterOptions _options;
    private readonly HlsViewers _viewers;
    private readonly TimeProvider _time;
    private readonly ILogger<EdgeCache> _logger;
    private readonly long _budget;
    private readonly long _maxBody;
    private long _bytes;
    private long _hits;
    private long _misses;
    private long _fetched;
    private long _failed;

    public EdgeCache(IOptions<ClusterOptions> options, HlsViewers viewers, TimeProvider time, ILogger<EdgeCache> logger)
    {
        _options = options.Value;
        _viewers = viewers;
        _time = time;
        _logger = logger;
        _budget = (long)_options.EdgeCacheMegabytes * 1024 * 1024;
        // One answer may take a quarter of the budget at most: a bigger one would evict most of what viewers share.
        _maxBody = _budget / 4;
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = _options.EdgeConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        })
        {
            // Each fetch has its own deadline (the origin timeout); the client's own would only duplicate it.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("StreamHub-Edge", "1"));
    }

    public long Bytes => Volatile.Read(ref _bytes);
    public long Hits => Volatile.Read(ref _hits);
    public long Misses => Volatile.Read(ref _misses);
    public long OriginFetches => Volatile.Read(ref _fetched);
    public long OriginFailures => Volatile.Read(ref _failed);

    /// <summary>Answers <paramref name="context"/> with what <paramref name="origin"/> (an http(s) base URL) answers for
    /// the same path and query. <paramref name="publish"/> tells one publish of the stream from the next (the time the
    /// origin claimed it): segment names restart with a new publish, so it is part of the key.</summary>
    public async Task ServeAsync(HttpContext context, string name, string origin, DateTimeOffset publish)
    {
        var request = context.Request;
        var key = string.Concat(origin, request.Path.Value, request.QueryString.Value, "#", publish.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var now = _time.GetTimestamp();
        EdgeEntry entry;
        if (_entries.TryGetValue(key, out var cached) && cached.ExpiresAt > now)
        {
            Interlocked.Increment(ref _hits);
            cached.LastUsed = now;
            entry = cached;
        }
        else
        {
            entry = await FetchOnceAsync(key, name, origin, request.Path.Value + request.QueryString.Value).WaitAsync(context.RequestAborted);
        }
        if (entry.Status == StatusCodes.Status200OK && request.Path.Value!.EndsWith(".m3u8", StringComparison.Ordinal))
        {
            _viewers.Seen(name, context.Connection.RemoteIpAddress, request.Headers.UserAgent);
        }
        await WriteAsync(context, entry);
    }

    /// <summary>The entry for <paramref name="key"/>: from the fetch already running for it, or from a new one.</summary>
    private Task<EdgeEntry> FetchOnceAsync(string key, string name, string origin, string pathAndQuery)
    {
        while (true)
        {
            if (_fetching.TryGetValue(key, out var running))
            {
                Interlocked.Increment(ref _hits);
                return running;
            }
            var fetch = new TaskCompletionSource<EdgeEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_fetching.TryAdd(key, fetch.Task))
            {
                continue;
            }
            // A fetch that finished between this request's cache look-up and its TryAdd stored its entry first.
            if (_entries.TryGetValue(key, out var cached) && cached.ExpiresAt > _time.GetTimestamp())
            {
                _fetching.TryRemove(key, out _);
                Interlocked.Increment(ref _hits);
                fetch.SetResult(cached);
                return fetch.Task;
            }
            Interlocked.Increment(ref _misses);
            _ = CompleteAsync(fetch, key, name, origin, pathAndQuery);
            return fetch.Task;
        }
    }

    private async Task CompleteAsync(TaskCompletionSource<EdgeEntry> fetch, string key, string name, string origin, string pathAndQuery)
    {
        EdgeEntry entry;
        try
        {
            entry = await FetchAsync(name, origin, pathAndQuery);
            if (entry.ExpiresAt > _time.GetTimestamp())
            {
                Store(key, entry);
            }
            else
            {
                _entries.TryRemove(key, out _);
            }
        }
        catch (Exception ex)
        {
            // Not an origin failure (those are answers): a bug here must still end every waiting request.
            entry = EdgeEntry.Failed(StatusCodes.Status502BadGateway, ex.Message);
        }
        _fetching.TryRemove(key, out _);
        fetch.SetResult(entry);
    }

    private async Task<EdgeEntry> FetchAsync(string name, string origin, string pathAndQuery)
    {
        Interlocked.Increment(ref _fetched);
        var url = origin.TrimEnd('/') + pathAndQuery;
        using var deadline = new CancellationTokenSource(_options.EdgeOriginTimeout);
        try
        {
            using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var length = response.Content.Headers.ContentLength;
            if (length > _maxBody)
            {
                return Fail(StatusCodes.Status502BadGateway, name, url, $"its answer of {length} bytes is larger than a quarter of StreamHub:Cluster:EdgeCacheMegabytes");
            }
            var body = await ReadBodyAsync(response.Content, length, deadline.Token);
            if (body is null)
            {
                return Fail(StatusCodes.Status502BadGateway, name, url, "its answer is larger than a quarter of StreamHub:Cluster:EdgeCacheMegabytes");
            }
            var cacheControl = response.Headers.NonValidated.TryGetValues("Cache-Control", out var values) ? values.ToString() : null;
            var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var types) ? types.ToString() : null;
            var published = response.Headers.NonValidated.TryGetValues(HlsEndpoints.PublishedHeader, out var at) ? at.ToString() : null;
            var (expiresAt, immutable) = Lifetime((int)response.StatusCode, response.Headers.CacheControl);
            return new EdgeEntry((int)response.StatusCode, contentType, cacheControl, published, body, expiresAt, immutable);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Fail(StatusCodes.Status504GatewayTimeout, name, url, $"no answer within {_options.EdgeOriginTimeoutSeconds} s (StreamHub:Cluster:EdgeOriginTimeoutSeconds)");
        }
        catch (OperationCanceledException)
        {
            // SocketsHttpHandler's connect timeout surfaces as a cancellation that is not the fetch's deadline.
            return Fail(StatusCodes.Status502BadGateway, name, url, $"no connection within {_options.EdgeConnectTimeoutSeconds} s (StreamHub:Cluster:EdgeConnectTimeoutSeconds)");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return Fail(StatusCodes.Status502BadGateway, name, url, ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message);
        }
    }

    private EdgeEntry Fail(int status, string name, string url, string reason)
    {
        Interlocked.Increment(ref _failed);
        ClusterLog.OriginFailed(_logger, name, url, status, reason);
        return EdgeEntry.Failed(status, $"The origin node of '{name}' could not be asked for {url}: {reason}.");
    }

    /// <summary>The body, read whole into an array of its length; null past the size limit.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContent content, long? length, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        if (length is { } known)
        {
            var body = new byte[known];
            await stream.ReadExactlyAsync(body, cancellationToken);
            return body;
        }
        // No Content-Length (chunked): collected in pooled buffers, checked against the limit as it grows.
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (buffer.Length >= _maxBody)
                    {
                        return null;
                    }
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, total).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
                if (read == 0)
                {
                    return total > _maxBody ? null : buffer.AsSpan(0, total).ToArray();
                }
                total += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>How long an answer is kept: immutable 200s until evicted, others for their max-age, and nothing that
    /// says no-cache or no-store, nor an error (a 404 now may be a 200 a moment later).</summary>
    private (long ExpiresAt, bool Immutable) Lifetime(int status, CacheControlHeaderValue? cacheControl)
    {
        if (status != StatusCodes.Status200OK || cacheControl is null || cacheControl.NoCache || cacheControl.NoStore || cacheControl.Private)
        {
            return (0, false);
        }
        if (cacheControl.Extensions.Any(e => string.Equals(e.Name, "immutable", StringComparison.OrdinalIgnoreCase)))
        {
            return (long.MaxValue, true);
        }
        return cacheControl.MaxAge is { } maxAge && maxAge > TimeSpan.Zero
            ? (_time.GetTimestamp() + (long)(maxAge.TotalSeconds * _time.TimestampFrequency), false)
            : (0, false);
    }

    private void Store(string key, EdgeEntry entry)
    {
        entry.LastUsed = _time.GetTimestamp();
        _entries.AddOrUpdate(key, entry, (_, old) =>
        {
            Interlocked.Add(ref _bytes, -old.Size);
            return entry;
        });
        if (Interlocked.Add(ref _bytes, entry.Size) > _budget)
        {
            Evict();
        }
    }

    /// <summary>Down to nine tenths of the budget: stale entries first, then the least recently used. Runs only when
    /// an insert goes over the budget, and one at a time; lookups never wait for it.</summary>
    private void Evict()
    {
        lock (_evicting)
        {
            if (Volatile.Read(ref _bytes) <= _budget)
            {
                return;
            }
            var target = _budget / 10 * 9;
            var now = _time.GetTimestamp();
            var candidates = _entries.ToArray();
            Array.Sort(candidates, (a, b) => (a.Value.ExpiresAt <= now ? long.MinValue : a.Value.LastUsed)
                .CompareTo(b.Value.ExpiresAt <= now ? long.MinValue : b.Value.LastUsed));
            foreach (var (key, entry) in candidates)
            {
                if (Volatile.Read(ref _bytes) <= target)
                {
                    break;
                }
                if (_entries.TryRemove(new KeyValuePair<string, EdgeEntry>(key, entry)))
                {
                    Interlocked.Add(ref _bytes, -entry.Size);
                }
            }
        }
    }

    private static async Task WriteAsync(HttpContext context, EdgeEntry entry)
    {
        var response = context.Response;
        OpenCors.AllowAnyOrigin(response);
        if (entry.Failure is not null)
        {
            response.Headers.CacheControl = HlsEndpoints.PlaylistCacheControl;
            await TypedResults.Problem(entry.Failure, statusCode: entry.Status,
                title: entry.Status == StatusCodes.Status504GatewayTimeout ? "Origin node did not answer" : "Origin node unreachable").ExecuteAsync(context);
            return;
        }
        if (entry.CacheControl is not null)
        {
            response.Headers.CacheControl = entry.CacheControl;
        }
        if (entry.Published is not null)
        {
            response.Headers[HlsEndpoints.PublishedHeader] = entry.Published;
        }
        if (entry.Immutable)
        {
            // Ranges are cut from the cached whole, as the origin would: the origin is asked for each object once.
            response.Headers.AccessControlExposeHeaders = HlsEndpoints.ExposedSegmentHeaders;
            if (!ByteRange.TrySelect(context.Request, entry.Body.Length, out var range))
            {
                response.Headers.CacheControl = HlsEndpoints.PlaylistCacheControl;
                response.Headers.AcceptRanges = SegmentHttpResult.AcceptRanges;
                response.Headers.ContentRange = SegmentHttpResult.UnsatisfiedContentRange(entry.Body.Length);
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                return;
            }
            await new SegmentHttpResult(new ReadOnlySequence<byte>(entry.Body), range, entry.ContentType ?? HlsEndpoints.Fmp4ContentType).ExecuteAsync(context);
            return;
        }
        response.StatusCode = entry.Status;
        if (entry.ContentType is not null)
        {
            response.ContentType = entry.ContentType;
        }
        response.ContentLength = entry.Body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(entry.Body, context.RequestAborted);
        }
    }

    public void Dispose() => _client.Dispose();
}
