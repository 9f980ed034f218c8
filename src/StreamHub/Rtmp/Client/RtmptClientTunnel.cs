using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace StreamHub.Rtmp.Client;

/// <summary>The client side of RTMPT, RTMP tunnelled in HTTP POSTs as FFmpeg's <c>rtmpt://</c> speaks it:
/// <c>POST /open/1</c> answers the tunnel's id; the RTMP bytes written to <see cref="Output"/> go out in
/// <c>POST /send/{id}/{seq}</c>; with nothing to send the tunnel polls with <c>POST /idle/{id}/{seq}</c>; every answer
/// is one byte (the server's polling interval) and then the server's RTMP bytes, which arrive on <see cref="Input"/>;
/// <c>POST /close/{id}/{seq}</c> ends it. An <see cref="RtmpPublishClient"/> runs over it as over a socket.
/// <para>Each request must be answered within the request timeout, and an answer may hold at most
/// <see cref="MaxAnswerSize"/> bytes (checked before it is read). A failed request completes <see cref="Input"/> with
/// an <see cref="IOException"/>; a tunnel the server has forgotten (404) completes it as a closed connection.</para></summary>
public sealed class RtmptClientTunnel : IDuplexPipe, IAsyncDisposable
{
    public const string ContentType = "application/x-fcs";

    /// <summary>The largest answer accepted. A server sends what its session wrote since the previous request.</summary>
    public const int MaxAnswerSize = 8 * 1024 * 1024;

    /// <summary>A tunnel id longer than this is not one (the server's are a few dozen characters).</summary>
    private const int MaxIdLength = 128;

    /// <summary>The pause between idle polls while neither side has anything to say, as FFmpeg waits.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private static readonly byte[] EmptyBody = [0];

    private readonly HttpClient _http;
    private readonly TimeSpan _requestTimeout;
    private readonly Pipe _toServer = new(new PipeOptions(pauseWriterThreshold: MaxAnswerSize, resumeWriterThreshold: MaxAnswerSize / 2, useSynchronizationContext: false));
    private readonly Pipe _fromServer = new(new PipeOptions(pauseWriterThreshold: MaxAnswerSize, resumeWriterThreshold: MaxAnswerSize / 2, useSynchronizationContext: false));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private long _sequence;

    private RtmptClientTunnel(HttpClient http, string id, TimeSpan requestTimeout)
    {
        _http = http;
        Id = id;
        _requestTimeout = requestTimeout;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>The tunnel's id, as the server gave it.</summary>
    public string Id { get; }

    /// <summary>The server's RTMP bytes.</summary>
    public PipeReader Input => _fromServer.Reader;

    /// <summary>The client's RTMP bytes, sent with the next request.</summary>
    public PipeWriter Output => _toServer.Writer;

    /// <summary>Opens a tunnel with <c>POST /open/1</c> on <paramref name="http"/>'s base address. The caller keeps
    /// <paramref name="http"/> and disposes it after the tunnel. An answer other than 200 with an id, or none within
    /// <paramref name="requestTimeout"/>, is an <see cref="RtmpClientException"/> (<see cref="RtmpClientError.TunnelRefused"/>
    /// or <see cref="RtmpClientError.Timeout"/>).</summary>
    public static async Task<RtmptClientTunnel> OpenAsync(HttpClient http, TimeSpan requestTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(requestTimeout, TimeSpan.Zero);
        byte[] answer;
        try
        {
            answer = await PostAsync(http, "open/1", EmptyBody, requestTimeout, MaxIdLength + 2, cancellationToken)
                ?? throw new RtmpClientException(RtmpClientError.TunnelRefused, "POST /open/1 was answered 404: this HTTP server does not open RTMPT tunnels");
        }
        catch (Exception e) when (e is HttpRequestException or InvalidDataException)
        {
            throw new RtmpClientException(RtmpClientError.TunnelRefused, $"POST /open/1 failed: {e.Message}", innerException: e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RtmpClientException(RtmpClientError.Timeout, $"POST /open/1 timed out: no HTTP answer within {requestTimeout.TotalSeconds:0.###} s");
        }
        var id = Encoding.ASCII.GetString(answer).Trim();
        if (id.Length == 0 || id.Any(c => c is <= ' ' or > '~' or '/'))
        {
            throw new RtmpClientException(RtmpClientError.TunnelRefused, "POST /open/1 was answered without a tunnel id: the HTTP server does not speak RTMPT");
        }
        return new RtmptClientTunnel(http, id, requestTimeout);
    }

    /// <summary>Sends what the client has written (or polls), and hands each answer to <see cref="Input"/>, until the
    /// client completes its output or the tunnel is disposed.</summary>
    private async Task PumpAsync()
    {
        var reader = _toServer.Reader;
        Exception? failure = null;
        try
        {
            while (true)
            {
                var pending = await ReadPendingAsync(reader);
                if (pending is null)
                {
                    break;
                }
                var command = pending.Length > 0 ? "send" : "idle";
                var answer = await PostAsync(_http, $"{command}/{Id}/{_sequence++}", pending.Length > 0 ? pending : EmptyBody,
                    _requestTimeout, MaxAnswerSize + 1, _stop.Token);
                if (answer is null)
                {
                    break; // 404: the server has ended the session and forgotten the tunnel
                }
                if (answer.Length > 1)
                {
                    var flushed = await _fromServer.Writer.WriteAsync(answer.AsMemory(1), _stop.Token);
                    if (flushed.IsCompleted)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
            failure = new IOException($"RTMPT: the server did not answer a request within {_requestTimeout.TotalSeconds:0.###} s");
        }
        catch (Exception e)
        {
            // Whatever broke the tunnel (HTTP, an answer over the limit, the connection), the client reading Input
            // sees it as a broken connection, as it would on a socket.
            failure = new IOException($"RTMPT: {e.Message}", e);
        }
        await _fromServer.Writer.CompleteAsync(failure);
        await reader.CompleteAsync();
    }

    /// <summary>The bytes the client has written so far; empty when it wrote nothing within the poll interval; null
    /// once it has completed its output or the tunnel is stopping.</summary>
    private async Task<byte[]?> ReadPendingAsync(PipeReader reader)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        poll.CancelAfter(PollInterval);
        ReadResult result;
        try
        {
            result = await reader.ReadAsync(poll.Token);
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            return [];
        }
        var bytes = result.Buffer.ToArray();
        reader.AdvanceTo(result.Buffer.End);
        return bytes.Length == 0 && result.IsCompleted ? null : bytes;
    }

    /// <summary>One POST with an <c>application/x-fcs</c> body; the answer's bytes, or null for 404. Other statuses and
    /// answers longer than <paramref name="maxAnswer"/> (checked before they are read) are errors.</summary>
    private static async Task<byte[]?> PostAsync(HttpClient http, string path, byte[] body, TimeSpan timeout, int maxAnswer,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /{path.Split('/')[0]} was answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
        if (response.Content.Headers.ContentLength > maxAnswer)
        {
            throw new InvalidDataException($"an answer of {response.Content.Headers.ContentLength} bytes is over the {maxAnswer}-byte limit");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
        var answer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var read = await stream.ReadAsync(answer.GetMemory(16 * 1024), deadline.Token);
            if (read == 0)
            {
                return answer.WrittenSpan.ToArray();
            }
            answer.Advance(read);
            if (answer.WrittenCount > maxAnswer)
            {
                throw new InvalidDataException($"an answer is over the {maxAnswer}-byte limit");
            }
        }
    }

    /// <summary>Stops polling, then sends <c>POST /close</c> (best effort, within the request timeout).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync();
        await _toServer.Writer.CompleteAsync();
        await _pump;
        await _fromServer.Reader.CompleteAsync();
        try
        {
            await PostAsync(_http, $"close/{Id}/{_sequence++}", EmptyBody, _requestTimeout, MaxAnswerSize, CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidDataException or IOException)
        {
            // The server forgets an unused tunnel by itself.
        }
        _stop.Dispose();
    }
}
