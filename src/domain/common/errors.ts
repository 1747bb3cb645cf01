// The domain's errors live with the others in src/errors.ts; domain modules import them from here.
export { InvalidInputError, NotFoundError, UserError } from '../../errors.js';
