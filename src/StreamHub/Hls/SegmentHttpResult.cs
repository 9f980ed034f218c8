using System.Buffers;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace StreamHub.Hls;

/// <summary>A segment's bytes, or one range of them, as a 200 or 206 response: Content-Length (and Content-Range) up
/// front, then each block of the range written to the response pipe in order (a HEAD gets the headers only). The range
/// is a slice of the pooled blocks: nothing is copied or allocated per block. The caller keeps the segment leased until
/// the response is done.</summary>
public sealed class SegmentHttpResult(ReadOnlySequence<byte> data, ByteRange range, string contentType = HlsEndpoints.SegmentContentType) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    public const string AcceptRanges = "bytes";

    public SegmentHttpResult(ReadOnlySequence<byte> data)
        : this(data, ByteRange.Whole(data.Length))
    {
    }

    public int? StatusCode => range.IsPartial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;

    public string ContentType => contentType;

    /// <summary>The bytes the body carries: the range, or the whole segment.</summary>
    public long BodyLength => range.Length;

    public async Task ExecuteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCode!.Value;
        response.ContentType = ContentType;
        response.Headers.AcceptRanges = AcceptRanges;
        response.ContentLength = range.Length;
        if (range.IsPartial)
        {
            response.Headers.ContentRange = ContentRange(range, data.Length);
        }
        // HEAD answers what GET would, range included (RFC 9110 §9.3.2), without the body.
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        foreach (var block in data.Slice(range.Start, range.Length))
        {
            var flushed = await response.BodyWriter.WriteAsync(block);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return; // the client went away
            }
        }
    }

    /// <summary><c>bytes first-last/length</c> (RFC 9110 §14.4).</summary>
    public static string ContentRange(ByteRange range, long length) =>
        string.Create(CultureInfo.InvariantCulture, $"bytes {range.Start}-{range.Start + range.Length - 1}/{length}");

    /// <summary><c>bytes */length</c>: the answer to an unsatisfiable range.</summary>
    public static string UnsatisfiedContentRange(long length) =>
        string.Create(CultureInfo.InvariantCulture, $"bytes */{length}");

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(byte[]), [HlsEndpoints.SegmentContentType]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status206PartialContent, typeof(byte[]), [HlsEndpoints.SegmentContentType]));
    }
}
