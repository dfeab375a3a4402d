// drizzle-kit reads this to generate migrations into drizzle/ (`deno task db:generate`).
export default {
  dialect: "sqlite",
  schema: "./shared/db/schema.ts",
  out: "./drizzle",
};
