using System.Buffers;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace StreamHub.Hls;

/// <summary>A segment's bytes as a 200 response: Content-Length up front, then each block written to the response
/// pipe in order (a HEAD gets the headers only). Nothing is allocated per block. The caller keeps the segment leased
/// until the response is done.</summary>
public sealed class SegmentHttpResult(ReadOnlySequence<byte> data) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => HlsEndpoints.SegmentContentType;

    public async Task ExecuteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = data.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        foreach (var block in data)
        {
            var flushed = await response.BodyWriter.WriteAsync(block);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return; // the client went away
            }
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(byte[]), [HlsEndpoints.SegmentContentType]));
}
