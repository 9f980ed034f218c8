using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;
using StreamHub.Diagnostics;
using StreamHub.Diagnostics.Metrics;
using StreamHub.Hls.Playlists;
using StreamHub.Hls.Segmenting;
using StreamHub.Hosting;
using StreamHub.Live;

namespace StreamHub.Hls;

/// <summary><c>/hls/{name}/index.m3u8</c> and <c>/hls/{name}/s{sequence}.ts</c>, served from memory: each playlist
/// version's bytes are written on the first request for it and shared by the rest, and each segment is an immutable
/// chain of pool blocks, written to every response as it is.
/// CORS is open (players run on other origins); playlists are not cached, segments are immutable and served in single
/// byte ranges on request (players and CDNs fetch parts of a segment).</summary>
public static class HlsEndpoints
{
    public const string SegmentContentType = "video/mp2t";
    public const string Fmp4ContentType = "video/mp4";

    /// <summary>A blocking reload's answer: it holds the part asked for, or later, whenever it is made.</summary>
    public const string BlockingPlaylistCacheControl = "public, max-age=6";
    public const string PlaylistCacheControl = "no-cache";
    public const string SegmentCacheControl = "public, max-age=86400, immutable";

    /// <summary>On a blocking reload's answer, and on a preload-hinted part's that waited: when the playlist it holds
    /// (or that lists the part) was published (Unix time in milliseconds, three decimals), so a client or a benchmark
    /// can tell how long after the part landed its answer arrived.</summary>
    public const string PublishedHeader = "X-StreamHub-Published";

    /// <summary>Response headers a player's script on another origin may read: it checks what a range request got.</summary>
    public const string ExposedSegmentHeaders = "Accept-Ranges, Content-Range";

    public static IEndpointRouteBuilder MapHlsEndpoints(this IEndpointRouteBuilder app)
    {
        var hls = app.MapGroup("/hls/{name}").WithTags("HLS");

        hls.MapMethods("/index.m3u8", [HttpMethods.Get, HttpMethods.Head], async Task<Results<FileContentHttpResult, ProblemHttpResult>> (string name,
            HlsPackager packager, WaitDeadlines deadlines, HttpContext context, HlsViewers viewers, TrafficCounters traffic, StreamHubMetrics metrics, TimeProvider time,
            [FromQuery(Name = "_HLS_msn")] long? msn, [FromQuery(Name = "_HLS_part")] int? part, [FromQuery(Name = "_HLS_skip")] string? skip) =>
        {
            var response = context.Response;
            OpenCors.AllowAnyOrigin(response);
            response.Headers.CacheControl = PlaylistCacheControl;
            if (!packager.TryGetSnapshot(name, out var snapshot))
            {
                return NotFound($"There is no HLS stream named '{name}'.");
            }
            if (msn is not null || part is not null)
            {
                // Blocking playlist reload (RFC 8216bis §6.2.5.2).
                if (msn is not { } sequence || sequence < 0 || part < 0)
                {
                    return BadRequest(msn is null ? "_HLS_part needs _HLS_msn." : "_HLS_msn and _HLS_part must not be negative.");
                }
                if (sequence > snapshot.NextSequence + 1)
                {
                    return BadRequest($"_HLS_msn={sequence} is more than two segments ahead of the playlist (its next segment is {snapshot.NextSequence}).");
                }
                var deadline = TimeSpan.FromSeconds(3 * Math.Max(1, packager.TargetDuration(name)));
                var waited = !snapshot.Satisfies(sequence, part);
                snapshot = await WaitForAsync(packager, deadlines, name, snapshot, (sequence, part),
                    static (s, wanted) => s.Satisfies(wanted.sequence, wanted.part), deadline, context.RequestAborted);
                if (!snapshot.Satisfies(sequence, part))
                {
                    return TypedResults.Problem($"Segment {sequence}{(part is null ? "" : $" part {part}")} of '{name}' did not appear within {deadline.TotalSeconds:0} s.",
                        statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not yet available");
                }
                // The answer to a blocking request holds that part or later whenever it is made: a cache may keep it.
                response.Headers.CacheControl = BlockingPlaylistCacheControl;
                response.Headers[PublishedHeader] = snapshot.PublishedAtUnixMilliseconds;
                if (waited)
                {
                    // Measured once the answer is with the connection: the wake-up delay as the server sees it, without a
                    // loaded client's own scheduling.
                    response.OnCompleted(static state =>
                    {
                        var (metrics, time, published) = ((StreamHubMetrics, TimeProvider, DateTimeOffset))state;
                        metrics.BlockingReloadWoken(time.GetUtcNow() - published);
                        return Task.CompletedTask;
                    }, (metrics, time, snapshot.PublishedAt));
                }
            }
            if (!snapshot.HasPlaylist)
            {
                return NotFound($"The stream '{name}' has no finished segment yet; try again in a few seconds.");
            }
            viewers.Seen(name, context.Connection.RemoteIpAddress, context.Request.Headers.UserAgent);
            var body = string.Equals(skip, "YES", StringComparison.Ordinal) ? snapshot.DeltaPlaylist : snapshot.Playlist;
            CountSent(context, traffic, metrics, name, body.Length);
            return TypedResults.Bytes(body, MediaPlaylistWriter.ContentType);
        }).WithSummary("The live media playlist of a stream (by its public name); low-latency HLS: _HLS_msn/_HLS_part block until that part exists, _HLS_skip=YES asks for a delta update")
          .ProducesProblem(StatusCodes.Status400BadRequest)
          .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        hls.MapMethods("/master.m3u8", [HttpMethods.Get, HttpMethods.Head], Results<ContentHttpResult, ProblemHttpResult> (string name,
            HlsPackager packager, LiveStreamRegistry registry, HttpContext context, TrafficCounters traffic, StreamHubMetrics metrics) =>
        {
            var response = context.Response;
            OpenCors.AllowAnyOrigin(response);
            response.Headers.CacheControl = PlaylistCacheControl;
            // Codecs, size and rate come from the live publisher: a stream that is not live (or not yet packaged) has
            // none to give. Its media playlist, index.m3u8, stays readable through the grace period.
            if (registry.Find(name) is not { } live || packager.Find(name) is not { } state
                || !packager.TryGetSnapshot(name, out var snapshot) || !snapshot.HasPlaylist)
            {
                return NotFound($"The stream '{name}' is not live, or has no finished segment yet; try again in a few seconds.");
            }
            var (version, variant) = StreamVariant.For(live, state, snapshot);
            var body = MultivariantPlaylistWriter.Write(version, variant);
            CountSent(context, traffic, metrics, name, body.Length);
            return TypedResults.Content(body, MediaPlaylistWriter.ContentType, System.Text.Encoding.UTF8);
        }).WithSummary("The multivariant playlist of a live stream: one variant (index.m3u8) with its CODECS, RESOLUTION, FRAME-RATE and measured BANDWIDTH")
          .ProducesProblem(StatusCodes.Status404NotFound);

        hls.MapMethods("/{segment}.ts", [HttpMethods.Get, HttpMethods.Head], Results<SegmentHttpResult, ProblemHttpResult> (string name, string segment, HlsPackager packager, HttpContext context,
            TrafficCounters traffic, StreamHubMetrics metrics) =>
        {
            OpenCors.AllowAnyOrigin(context.Response);
            var found = TryParseSequence(segment, out var sequence) && packager.TryGetSnapshot(name, out var snapshot)
                ? snapshot.FindSegment(sequence) : null;
            return found is { IsComplete: true, Entry.InitVersion: 0 }
                ? Serve(context, found, found.Data, SegmentContentType, traffic, metrics, name, $"{segment}.ts")
                : SegmentNotFound(context, $"There is no segment '{segment}.ts' in the HLS stream '{name}'.");
        }).WithSummary("One MPEG-TS segment of a stream, or one byte range of it (Range: bytes=first-last, first- or -suffix)")
          .ProducesProblem(StatusCodes.Status404NotFound)
          .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);

        hls.MapMethods("/{file}.m4s", [HttpMethods.Get, HttpMethods.Head], async Task<Results<SegmentHttpResult, ProblemHttpResult>> (string name, string file,
            HlsPackager packager, WaitDeadlines deadlines, HttpContext context, TrafficCounters traffic, StreamHubMetrics metrics) =>
        {
            OpenCors.AllowAnyOrigin(context.Response);
            if (!packager.TryGetSnapshot(name, out var snapshot))
            {
                return SegmentNotFound(context, $"There is no HLS stream named '{name}'.");
            }
            if (TryParseSequence(file, out var sequence))
            {
                return snapshot.FindSegment(sequence) is { IsComplete: true, Entry.InitVersion: not 0 } found
                    ? Serve(context, found, found.Data, Fmp4ContentType, traffic, metrics, name, $"{file}.m4s")
                    : SegmentNotFound(context, $"There is no segment '{file}.m4s' in the HLS stream '{name}'.");
            }
            if (!TryParsePart(file, out var number))
            {
                return SegmentNotFound(context, $"There is no segment '{file}.m4s' in the HLS stream '{name}'.");
            }
            var part = snapshot.FindPart(number);
            if (part is null && IsComing(snapshot, number))
            {
                // A preload-hinted part (RFC 8216bis §6.2.6): the request waits until the part is written.
                var deadline = TimeSpan.FromSeconds(3 * Math.Max(1, packager.TargetDuration(name)));
                snapshot = await WaitForAsync(packager, deadlines, name, snapshot, number,
                    static (s, number) => s.FindPart(number) is not null || !IsComing(s, number), deadline, context.RequestAborted);
                part = snapshot.FindPart(number);
                if (part is not null)
                {
                    context.Response.Headers[PublishedHeader] = snapshot.PublishedAtUnixMilliseconds;
                }
            }
            return part is not null
                ? Serve(context, part.Segment, part.Data, Fmp4ContentType, traffic, metrics, name, $"{file}.m4s")
                : SegmentNotFound(context, $"There is no part '{file}.m4s' in the HLS stream '{name}'.");
        }).WithSummary("One fMP4 segment (s{n}.m4s) or low-latency part (p{n}.m4s) of a stream, or a byte range of it; a request for the part being written waits for it")
          .ProducesProblem(StatusCodes.Status404NotFound)
          .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable);

        hls.MapMethods("/init{version:int}.mp4", [HttpMethods.Get, HttpMethods.Head], Results<SegmentHttpResult, ProblemHttpResult> (string name, int version,
            HlsPackager packager, HttpContext context, TrafficCounters traffic, StreamHubMetrics metrics) =>
        {
            OpenCors.AllowAnyOrigin(context.Response);
            return packager.TryGetSnapshot(name, out var snapshot) && snapshot.FindInit(version) is { } init
                ? Serve(context, null, new ReadOnlySequence<byte>(init), Fmp4ContentType, traffic, metrics, name, $"init{version}.mp4")
                : SegmentNotFound(context, $"There is no init segment 'init{version}.mp4' in the HLS stream '{name}'.");
        }).WithSummary("The fMP4 init segment (EXT-X-MAP) of a stream's segments")
          .ProducesProblem(StatusCodes.Status404NotFound);

        hls.MapMethods("/{file}", [HttpMethods.Options], OpenCors.Preflight).ExcludeFromDescription();

        return app;
    }

    /// <summary>Serves immutable bytes (a segment, a part, an init segment), whole or one range; <paramref name="owner"/>
    /// is leased so its blocks stay out of the pool until the response has been sent.</summary>
    private static Results<SegmentHttpResult, ProblemHttpResult> Serve(HttpContext context, Segment? owner, ReadOnlySequence<byte> data,
        string contentType, TrafficCounters traffic, StreamHubMetrics metrics, string name, string file)
    {
        var response = context.Response;
        if (owner is not null)
        {
            if (owner.TryLease() is not { } lease)
            {
                return SegmentNotFound(context, $"'{file}' has just left the HLS stream '{name}'.");
            }
            response.RegisterForDispose(lease);
        }
        response.Headers.AccessControlExposeHeaders = ExposedSegmentHeaders;
        var length = data.Length;
        if (!ByteRange.TrySelect(context.Request, length, out var range))
        {
            // Not cached: a cache keys on the URL, not the Range, and would answer every later request with it.
            response.Headers.CacheControl = PlaylistCacheControl;
            response.Headers.AcceptRanges = SegmentHttpResult.AcceptRanges;
            response.Headers.ContentRange = SegmentHttpResult.UnsatisfiedContentRange(length);
            return TypedResults.Problem($"The Range header asks for bytes past the end of '{file}' ({length} bytes).",
                statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Range not satisfiable");
        }
        response.Headers.CacheControl = SegmentCacheControl;
        var result = new SegmentHttpResult(data, range, contentType);
        CountSent(context, traffic, metrics, name, result.BodyLength);
        return result;
    }

    private static ProblemHttpResult SegmentNotFound(HttpContext context, string detail)
    {
        context.Response.Headers.CacheControl = PlaylistCacheControl;
        return NotFound(detail);
    }

    /// <summary>A part being written: the hinted one, or the one after it (a player a little ahead).</summary>
    private static bool IsComing(PlaylistSnapshot snapshot, long number) =>
        !snapshot.Ended && snapshot.HasPlaylist && number >= snapshot.NextPartNumber && number <= snapshot.NextPartNumber + 1;

    /// <summary>Waits, without a thread, until a snapshot of the stream satisfies <paramref name="ready"/>, the
    /// deadline passes or the client goes; returns the latest snapshot. A wait costs one small task per snapshot that
    /// does not satisfy it (the race of its Superseded with the shared deadline tick): no timer or token source of its
    /// own, and it wakes on the work item that completes the snapshot, not on one of its own.</summary>
    private static async Task<PlaylistSnapshot> WaitForAsync<TState>(HlsPackager packager, WaitDeadlines deadlines, string name,
        PlaylistSnapshot snapshot, TState state, Func<PlaylistSnapshot, TState, bool> ready, TimeSpan deadline, CancellationToken aborted)
    {
        Task? expired = null;
        while (!ready(snapshot, state))
        {
            var superseded = snapshot.Superseded;
            if (!superseded.IsCompleted)
            {
                expired ??= deadlines.After(deadline);
                if (await Task.WhenAny(superseded, expired) != superseded)
                {
                    break;
                }
            }
            if (aborted.IsCancellationRequested || !packager.TryGetSnapshot(name, out snapshot))
            {
                break;
            }
        }
        return snapshot;
    }

    private static void CountSent(HttpContext context, TrafficCounters traffic, StreamHubMetrics metrics, string name, long bytes)
    {
        if (HttpMethods.IsGet(context.Request.Method))
        {
            traffic.Sent(bytes);
            metrics.HlsBytesSent(name, bytes);
        }
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    private static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary><c>p{number}</c>, the form <see cref="PartEntry.PartUri"/> writes.</summary>
    private static bool TryParsePart(string file, out long number)
    {
        number = 0;
        return file.Length > 1 && file[0] == 'p' && char.IsAsciiDigit(file[1])
            && long.TryParse(file.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary><c>s{sequence}</c>, the form <see cref="PlaylistEntry.SegmentUri"/> writes.</summary>
    private static bool TryParseSequence(string segment, out long sequence)
    {
        sequence = 0;
        return segment.Length > 1 && segment[0] == 's' && char.IsAsciiDigit(segment[1])
            && long.TryParse(segment.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }
}
