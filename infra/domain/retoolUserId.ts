// What Retool says a user is: the User ID (the API's `id`, apps' `current_user.sid`) and the
// limits of its profile fields. Retool's OpenAPI spec (tryretool/terraform-provider-retool,
// internal/sdk/openAPISpec.json, 2.12) gives the id pattern user_([a-z0-9]+) and 1-36 character
// names; recorded ids are user_ + 32 hex characters.
export const RETOOL_USER_ID_PATTERN = "^user_[a-z0-9]+$";
export const RETOOL_USER_ID_MAX_LENGTH = 64;
export const RETOOL_NAME_MAX_LENGTH = 36;
