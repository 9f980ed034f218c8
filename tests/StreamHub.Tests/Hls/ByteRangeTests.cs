using Microsoft.AspNetCore.Http;
using StreamHub.Hls;

namespace StreamHub.Tests.Hls;

/// <summary>The <c>Range</c> header against a 1000-byte segment (RFC 9110 §14.1.2 examples and their edges).</summary>
public sealed class ByteRangeTests
{
    private const long Length = 1000;

    [Theory]
    [InlineData("bytes=0-499", 0, 500)]
    [InlineData("bytes=500-999", 500, 500)]
    [InlineData("bytes=0-0", 0, 1)]
    [InlineData("bytes=999-999", 999, 1)]
    [InlineData("bytes=500-", 500, 500)]
    [InlineData("bytes=0-", 0, 1000)]
    [InlineData("bytes=-500", 500, 500)]
    [InlineData("bytes=-1", 999, 1)]
    [InlineData("bytes=-1000", 0, 1000)]
    [InlineData("bytes=-5000", 0, 1000)] // a suffix longer than the segment is all of it
    [InlineData("bytes=900-5000", 900, 100)] // a last position past the end is clamped
    [InlineData("bytes=900-99999999999999999999999", 900, 100)]
    [InlineData("bytes=-99999999999999999999999", 0, 1000)]
    [InlineData("Bytes=10-19", 10, 10)] // the unit is case-insensitive
    [InlineData("bytes= 10-19 ", 10, 10)]
    public void A_single_satisfiable_range_is_partial(string header, long start, long length)
    {
        Assert.True(ByteRange.TrySelect(header, Length, out var range));
        Assert.Equal(new ByteRange(start, length, true), range);
    }

    [Theory]
    [InlineData("bytes=1000-")]
    [InlineData("bytes=1000-1999")]
    [InlineData("bytes=5000-6000")]
    [InlineData("bytes=99999999999999999999999-")]
    [InlineData("bytes=-0")] // a zero-length suffix selects nothing
    public void A_range_past_the_end_is_unsatisfiable(string header)
    {
        Assert.False(ByteRange.TrySelect(header, Length, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bytes=")]
    [InlineData("bytes=-")]
    [InlineData("bytes=abc")]
    [InlineData("bytes=5")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=1-a")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=-+5")]
    [InlineData("bytes=1--2")]
    [InlineData("bytes=20-10")] // last before first: an invalid range-spec
    [InlineData("bytes=0-99,200-299")] // several ranges: served whole, not as multipart
    [InlineData("bytes=0-99,")]
    [InlineData("bytes=1000-,0-1")]
    [InlineData("items=0-99")]
    [InlineData("bytes 0-99")]
    [InlineData("bytes=٠-٩")] // Arabic-Indic digits are not DIGIT
    public void Malformed_multiple_or_foreign_ranges_are_ignored_and_the_whole_segment_is_served(string header)
    {
        Assert.True(ByteRange.TrySelect(header, Length, out var range));
        Assert.Equal(ByteRange.Whole(Length), range);
        Assert.False(range.IsPartial);
    }

    [Fact]
    public void A_request_without_a_range_gets_the_whole_segment()
    {
        var request = new DefaultHttpContext().Request;
        Assert.True(ByteRange.TrySelect(request, Length, out var range));
        Assert.Equal(ByteRange.Whole(Length), range);
    }

    [Fact]
    public void A_request_with_one_range_header_gets_that_range()
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.Range = "bytes=100-199";
        Assert.True(ByteRange.TrySelect(request, Length, out var range));
        Assert.Equal(new ByteRange(100, 100, true), range);
    }

    [Fact]
    public void Two_range_headers_are_ignored()
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.Range = new(["bytes=0-9", "bytes=10-19"]);
        Assert.True(ByteRange.TrySelect(request, Length, out var range));
        Assert.False(range.IsPartial);
    }

    [Fact]
    public void A_range_with_if_range_is_ignored_because_segments_carry_no_validator_to_compare()
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.Range = "bytes=5000-";
        request.Headers.IfRange = "\"some-etag\"";
        Assert.True(ByteRange.TrySelect(request, Length, out var range));
        Assert.Equal(ByteRange.Whole(Length), range);
    }
}
