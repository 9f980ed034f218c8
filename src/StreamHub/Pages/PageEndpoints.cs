
namespace StreamHub.Pages;

/// <summary>The pages in wwwroot that answer on routes with parameters: <c>/watch/{name}</c>.</summary>
public static class PageEndpoints
{
    public static IEndpointRouteBuilder MapPageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/watch/{name}", (string name, IWebHostEnvironment environment) =>
        {
            var page = environment.WebRootFileProvider.GetFileInfo("watch.html");
            return page.Exists
                ? Results.Stream(page.CreateReadStream(), "text/html; charset=utf-8")
                : Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "The player page is missing",
                    detail: "wwwroot/watch.html was not found beside the server binary; rebuild or republish.");
        }).ExcludeFromDescription();
        return app;
    }
}
