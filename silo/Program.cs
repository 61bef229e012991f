using ToolGrains.Silo;

// Settings ship beside the binary; relative paths in them (DataDir, ToolsDir) resolve against the working
// directory, which `dotnet run --project silo` sets to the repository root (silo/ToolGrains.Silo.csproj).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (!builder.TryValidateToolGrainsConfiguration()) return 2;
builder.AddToolGrainsSilo();

var app = builder.Build();
app.LogToolGrainsFolders().MapToolGrainsEndpoints();
await app.RunAsync();
return 0;
