using StreamHub.Diagnostics;

namespace StreamHub.Tests.Diagnostics;

public sealed class PeerTextTests
{
    [Fact]
    public void Ordinary_text_comes_back_as_the_same_string()
    {
        const string flashVer = "FMLE/3.0 (compatible; OBS Studio/30.1.2; Tëst ✓ 🎥)";
        Assert.Same(flashVer, PeerText.Sanitize(flashVer));
        Assert.Null(PeerText.Sanitize(null));
    }

    [Theory]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("\u001b[31mred", @"\x1b[31mred")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData("nul\0del\u007f", @"nul\x00del\x7f")]
    [InlineData("c1\u009bx", @"c1\x9bx")]
    [InlineData("line\u2028sep", @"line\u2028sep")]
    [InlineData("bidi\u202eevil", @"bidi\u202eevil")]
    [InlineData(@"back\slash", @"back\\slash")]
    public void Control_characters_become_visible_escapes(string text, string expected)
    {
        Assert.Equal(expected, PeerText.Sanitize(text));
    }

    [Fact]
    public void An_unpaired_surrogate_becomes_an_escape()
    {
        Assert.Equal(@"lone\ud800x", PeerText.Sanitize("lone\ud800x"));
    }

    [Fact]
    public void Long_text_is_cut_to_the_limit_with_an_ellipsis()
    {
        var cut = PeerText.Sanitize(new string('A', 1024 * 1024))!;
        Assert.Equal(PeerText.MaxLength + PeerText.Ellipsis.Length, cut.Length);
        Assert.EndsWith(PeerText.Ellipsis, cut);
        Assert.StartsWith(new string('A', PeerText.MaxLength), cut);
    }

    [Fact]
    public void Text_of_exactly_the_limit_is_not_cut()
    {
        var text = new string('b', PeerText.MaxLength);
        Assert.Same(text, PeerText.Sanitize(text));
    }

    [Fact]
    public void A_cut_never_splits_an_escape_or_a_surrogate_pair()
    {
        // 9 characters then an escape of 4 and an emoji (a surrogate pair): with a limit of 11, neither fits whole.
        Assert.Equal("123456789" + PeerText.Ellipsis, PeerText.Sanitize("123456789\u001bxyz", 11));
        Assert.Equal("1234567890" + PeerText.Ellipsis, PeerText.Sanitize("1234567890🎥", 11));
        Assert.Equal("123456789🎥" + PeerText.Ellipsis, PeerText.Sanitize("123456789🎥z", 11));
    }

    [Fact]
    public void Escaping_counts_toward_the_limit()
    {
        var cut = PeerText.Sanitize(string.Concat(Enumerable.Repeat("\r\n", 1000)))!;
        Assert.True(cut.Length <= PeerText.MaxLength + PeerText.Ellipsis.Length);
        Assert.DoesNotContain('\r', cut);
        Assert.DoesNotContain('\n', cut);
    }
}
