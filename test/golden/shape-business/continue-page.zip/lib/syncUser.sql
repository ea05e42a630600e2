SELECT * FROM retool_sync.sync_page_user({{ current_user.sid }}, {{ current_user.email }}, {{ current_user.firstName }}, {{ current_user.lastName }})
